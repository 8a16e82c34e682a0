/**
 * Reads the tags of IFD0 and the Exif sub-IFD from sharp's EXIF block, enough
 * to check what the engine writes: text, SHORT and LONG values by tag number.
 */
export const exifTag = {
  make: 0x010f,
  orientation: 0x0112,
  exifIfd: 0x8769,
  pixelXDimension: 0xa002,
  pixelYDimension: 0xa003,
} as const;

export function readExifTags(block: Buffer | undefined): Map<number, string | number> {
  const tags = new Map<number, string | number>();
  if (block === undefined) return tags;
  const tiff = block.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? block.subarray(6) : block;
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number): number => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number): number => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const readIfd = (offset: number): void => {
    const count = u16(offset);
    for (let i = 0; i < count; i += 1) {
      const entry = offset + 2 + i * 12;
      const [tag, type, length] = [u16(entry), u16(entry + 2), u32(entry + 4)];
      if (type === 3) tags.set(tag, u16(entry + 8));
      if (type === 4) tags.set(tag, u32(entry + 8));
      if (type === 2) {
        const at = length <= 4 ? entry + 8 : u32(entry + 8);
        tags.set(tag, tiff.toString('latin1', at, at + length).replace(/\0+$/, ''));
      }
    }
  };
  readIfd(u32(4));
  const exifIfd = tags.get(exifTag.exifIfd);
  if (typeof exifIfd === 'number') readIfd(exifIfd);
  return tags;
}
