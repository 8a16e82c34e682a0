/**
 * Every output carries a mark in its XMP metadata: which Yonos, model and
 * scale made it. It travels with the file (no database needed), so a folder
 * scan can skip our own outputs and `--overwrite` can tell them from anyone
 * else's. XMP is the one metadata block libvips writes to all five output
 * formats (it writes no EXIF to TIFF).
 */
import sharp from 'sharp';
import { appVersion } from '../../common/version.js';

export const markerNamespace = 'http://ns.yonos.org/output/1.0/';

export interface OutputMark {
  modelId: string;
  scale: number;
}

/**
 * The source's XMP with our description added (any earlier mark of ours
 * replaced), or a fresh packet when the source has none. The rest of the
 * photo's XMP (keywords, ratings, edits) is kept as it was.
 */
export function markedXmp(sourceXmp: string | undefined, mark: OutputMark): string {
  // Model ids match [a-z0-9._-]+ (the manifest schema) and the version is semver: nothing to escape.
  const description =
    `<rdf:Description rdf:about="" xmlns:yonos="${markerNamespace}" ` +
    `yonos:Software="Yonos ${appVersion}" yonos:Model="${mark.modelId}" ` +
    `yonos:Scale="${String(mark.scale)}"/>`;
  const withoutOurs = (sourceXmp ?? '').replace(ourDescription, '');
  const end = withoutOurs.lastIndexOf('</rdf:RDF>');
  if (end === -1) {
    return (
      '<x:xmpmeta xmlns:x="adobe:ns:meta/">' +
      `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${description}</rdf:RDF>` +
      '</x:xmpmeta>'
    );
  }
  return withoutOurs.slice(0, end) + description + withoutOurs.slice(end);
}

const ourDescription = new RegExp(
  `<rdf:Description[^>]*xmlns:yonos="${markerNamespace.replace(/[.]/g, '\\.')}"[^>]*/>`,
  'g',
);

/** Whether `file` is an image Yonos wrote (false for anything unreadable). */
export async function isYonosOutput(file: string): Promise<boolean> {
  try {
    const { xmpAsString } = await sharp(file).metadata();
    return xmpAsString?.includes(markerNamespace) === true;
  } catch {
    return false;
  }
}
