/**
 * Just enough EXIF to file a photo: capture date and camera. sharp hands us
 * the raw EXIF block ("Exif\0\0" + a TIFF structure); walking two IFDs for
 * three tags is smaller than a dependency.
 */
export interface ExifSummary {
  /** DateTimeOriginal (else DateTime), read as UTC wall-clock time: EXIF has no zone. */
  takenAt: number | null;
  camera: string | null;
}

const tags = { make: 0x010f, model: 0x0110, dateTime: 0x0132, exifIfd: 0x8769, original: 0x9003 };
const typeAscii = 2;

export function readExif(block: Buffer | undefined): ExifSummary {
  const none = { takenAt: null, camera: null };
  if (block === undefined) return none;
  const tiff = block.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? block.subarray(6) : block;
  try {
    return summarize(readTiff(tiff));
  } catch {
    // A truncated or odd EXIF block only costs the metadata, never the import.
    return none;
  }
}

function summarize(values: Map<number, string>): ExifSummary {
  const make = values.get(tags.make)?.trim() ?? '';
  const model = values.get(tags.model)?.trim() ?? '';
  const camera = model.toLowerCase().startsWith(make.toLowerCase())
    ? model
    : `${make} ${model}`.trim();
  const date = parseExifDate(values.get(tags.original) ?? values.get(tags.dateTime));
  return { takenAt: date, camera: camera === '' ? null : camera };
}

/** "YYYY:MM:DD HH:MM:SS" → ms since the epoch, or null when blank or malformed. */
export function parseExifDate(value: string | undefined): number | null {
  const match = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value ?? '');
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year === 0 || month === 0) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function readTiff(tiff: Buffer): Map<number, string> {
  const order = tiff.subarray(0, 2).toString('latin1');
  if (order !== 'II' && order !== 'MM') throw new Error('not a TIFF header');
  const little = order === 'II';
  const u16 = (offset: number): number =>
    little ? tiff.readUInt16LE(offset) : tiff.readUInt16BE(offset);
  const u32 = (offset: number): number =>
    little ? tiff.readUInt32LE(offset) : tiff.readUInt32BE(offset);

  const values = new Map<number, string>();
  const readIfd = (offset: number): number | null => {
    let exifIfd: number | null = null;
    const entries = u16(offset);
    for (let index = 0; index < entries; index++) {
      const entry = offset + 2 + index * 12;
      const tag = u16(entry);
      if (tag === tags.exifIfd) exifIfd = u32(entry + 8);
      else if (u16(entry + 2) === typeAscii) {
        const length = u32(entry + 4);
        const start = length <= 4 ? entry + 8 : u32(entry + 8);
        values.set(tag, tiff.toString('latin1', start, start + length).replace(/\0.*$/s, ''));
      }
    }
    return exifIfd;
  };
  const exifIfd = readIfd(u32(4));
  if (exifIfd !== null) readIfd(exifIfd);
  return values;
}
