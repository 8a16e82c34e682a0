/**
 * Reading and writing photos with sharp. Pixels are handed to the model as
 * they are encoded in the file (the ICC profile is not applied), and the same
 * profile goes back on the output, so colours survive untouched.
 *
 * Metadata: sharp can only *keep* EXIF, XMP, IPTC and ICC from a pipeline's
 * input, and our pixels are a raw buffer. So the output pipeline starts from
 * the original file as a metadata carrier: auto-oriented, resized to the
 * output size, zeroed (linear 0·x + 0) and OR-ed with our pixels, which puts
 * them in bit-exactly. libvips then writes the kept metadata with the new
 * dimensions and orientation 1, and the XMP with our mark added
 * (main/engine/output-marker.ts).
 */
import { rename, stat } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { cannotWrite } from './output-file.js';
import { markedXmp, type OutputMark } from './output-marker.js';
import type { PixelImage, Pixels } from './pipeline.js';
import type { OutputFormat } from './types.js';

export interface DecodedImage {
  colour: PixelImage;
  /** Same size and depth as the colour pixels, or null. */
  alpha: Pixels | null;
  /** sharp's name of the input format (jpeg, png, heif, …). */
  format: string;
  cmyk: boolean;
}

export interface ImageLimits {
  /** Decompression-bomb guard on width × height of the input. */
  maxInputPixels: number;
  maxOutputPixels: number;
}

export const defaultLimits: ImageLimits = { maxInputPixels: 100e6, maxOutputPixels: 400e6 };

/** Largest side each output format can store. */
const maxSide: Record<OutputFormat, number> = {
  png: 2 ** 31 - 1,
  jpg: 65_535,
  webp: 16_383,
  avif: 16_384,
  tiff: 2 ** 31 - 1,
};

/** What the file's header says, with the size as shown (EXIF orientation applied). */
export interface ImageHeader {
  width: number;
  height: number;
  format: string;
  depth: string | undefined;
  channels: number;
  space: string | undefined;
}

/**
 * Reads only the header, and refuses an input over the pixel limit there:
 * nothing is decoded yet, so a decompression bomb costs nothing.
 */
export async function readImageHeader(file: string, limits: ImageLimits): Promise<ImageHeader> {
  const size = (await stat(file)).size;
  if (size === 0) throw new Error('empty file (0 bytes), not an image');
  // No pixel limit here: our own check below says it in our words.
  const metadata = await sharp(file, { limitInputPixels: false })
    .metadata()
    .catch((error: unknown) => {
      throw unreadable(error);
    });
  const { width, height } = metadata.autoOrient;
  checkInputSize(width, height, limits);
  return {
    width,
    height,
    format: metadata.format,
    depth: metadata.depth,
    channels: metadata.channels,
    space: metadata.space,
  };
}

/** Decodes an image whose header was read (and its size accepted) by readImageHeader. */
export async function decodeImage(
  file: string,
  header: ImageHeader,
  limits: ImageLimits,
): Promise<DecodedImage> {
  const bits = header.depth === 'ushort' ? 16 : 8;
  const grey = header.channels <= 2 && header.space !== 'cmyk';
  const cmyk = header.space === 'cmyk';
  let pipeline = sharp(file, { autoOrient: true, limitInputPixels: limits.maxInputPixels });
  // CMYK pixels mean nothing to the model: those (only) are converted to sRGB.
  if (!cmyk) pipeline = pipeline.keepIccProfile();
  const { data, info } = await pipeline
    .toColourspace(colourspace(grey, bits))
    .raw({ depth: bits === 16 ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw unreadable(error, header.format);
    });
  const samples =
    bits === 16
      ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2)
      : new Uint8Array(data.buffer, data.byteOffset, data.length);
  const hasAlpha = info.channels === 2 || info.channels === 4;
  const colourChannels = hasAlpha ? info.channels - 1 : info.channels;
  if (colourChannels !== 1 && colourChannels !== 3) {
    throw new Error(`unsupported channel layout (${info.channels} channels)`);
  }
  const split = hasAlpha ? splitAlpha(samples, info.channels) : { colour: samples, alpha: null };
  return {
    colour: {
      width: info.width,
      height: info.height,
      channels: colourChannels,
      bits,
      data: split.colour,
    },
    alpha: split.alpha,
    format: header.format,
    cmyk,
  };
}

function unreadable(error: unknown, format?: string): Error {
  const reason = (error as Error).message.replace(/\s+/g, ' ').replace(/:\s*$/, '').trim();
  if (format === 'heif' && /compression|codec|plugin|hevc/i.test(reason)) {
    return new Error(`HEIC is not supported by this build of libvips (${reason})`, {
      cause: error,
    });
  }
  if (/unsupported image format/i.test(reason)) {
    return new Error('not an image, or a format Yonos cannot read', { cause: error });
  }
  return new Error(`cannot decode the image (${reason})`, { cause: error });
}

function splitAlpha(samples: Pixels, channels: number): { colour: Pixels; alpha: Pixels } {
  const pixels = samples.length / channels;
  const colourChannels = channels - 1;
  const make = (length: number): Pixels =>
    samples instanceof Uint16Array ? new Uint16Array(length) : new Uint8Array(length);
  const colour = make(pixels * colourChannels);
  const alpha = make(pixels);
  for (let i = 0; i < pixels; i += 1) {
    for (let c = 0; c < colourChannels; c += 1) {
      colour[i * colourChannels + c] = samples[i * channels + c] ?? 0;
    }
    alpha[i] = samples[i * channels + colourChannels] ?? 0;
  }
  return { colour, alpha };
}

function colourspace(grey: boolean, bits: 8 | 16): string {
  if (grey) return bits === 16 ? 'grey16' : 'b-w';
  return bits === 16 ? 'rgb16' : 'srgb';
}

function megapixels(pixels: number): string {
  return (pixels / 1e6).toFixed(pixels < 10e6 ? 1 : 0);
}

/** Throws for an input over the pixel limit (a decompression-bomb guard), before it is decoded. */
export function checkInputSize(width: number, height: number, limits: ImageLimits): void {
  if (width * height > limits.maxInputPixels) {
    throw new Error(
      `${width}×${height} is ${megapixels(width * height)} MP, over the ` +
        `${megapixels(limits.maxInputPixels)} MP input limit.`,
    );
  }
}

/** Throws before any inference when the output could not be stored. */
export function checkOutputSize(
  width: number,
  height: number,
  format: OutputFormat,
  limits: ImageLimits,
): void {
  if (width * height > limits.maxOutputPixels) {
    throw new Error(
      `the output would be ${width}×${height} (${megapixels(width * height)} MP), over the ` +
        `${megapixels(limits.maxOutputPixels)} MP output limit; choose a smaller scale.`,
    );
  }
  if (Math.max(width, height) > maxSide[format]) {
    throw new Error(
      `${format} cannot store ${width}×${height}: its largest side is ${maxSide[format]} px; ` +
        'choose png or tiff.',
    );
  }
}

/** Alpha upscaled on its own with Lanczos-3: the model only knows colour. */
export async function upscaleAlpha(
  alpha: Pixels,
  source: { width: number; height: number },
  target: { width: number; height: number },
): Promise<Pixels> {
  const data = await sharp(alpha, { raw: { ...source, channels: 1 } })
    .resize(target.width, target.height, { kernel: 'lanczos3', fit: 'fill' })
    // Without this sharp would hand back one channel as three (sRGB).
    .toColourspace(colourspace(true, alpha instanceof Uint16Array ? 16 : 8))
    .raw({ depth: alpha instanceof Uint16Array ? 'ushort' : 'uchar' })
    .toBuffer();
  return alpha instanceof Uint16Array
    ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2)
    : new Uint8Array(data.buffer, data.byteOffset, data.length);
}

export interface EncodeRequest {
  /** The original file: carries the metadata. */
  source: string;
  cmyk: boolean;
  colour: PixelImage;
  alpha: Pixels | null;
  output: string;
  /** From reserveTempFile; the caller removes it when anything fails. */
  temp: string;
  format: OutputFormat;
  quality?: number;
  mark: OutputMark;
  /** Last chance to abandon the write (cancellation). */
  beforeCommit?: () => void;
}

/** Encodes into the reserved temp file beside `output`, then renames: readers never see a partial file. */
export async function writeImageAtomically(request: EncodeRequest): Promise<void> {
  const { xmpAsString } = await sharp(request.source).metadata();
  const xmp = markedXmp(xmpAsString, request.mark);
  await encoder(request)
    .withXmp(xmp)
    .toFile(request.temp)
    .catch((error: unknown) => {
      throw cannotWrite(request.output, error);
    });
  request.beforeCommit?.();
  await rename(request.temp, request.output).catch((error: unknown) => {
    throw cannotWrite(request.output, error);
  });
}

function encoder({ source, cmyk, colour, alpha, format, quality }: EncodeRequest): Sharp {
  const { width, height } = colour;
  const keepsAlpha = alpha !== null && format !== 'jpg';
  const pixels = keepsAlpha ? interleaveAlpha(colour, alpha) : flattenForJpeg(colour, alpha);
  const channels = ((keepsAlpha ? 1 : 0) + colour.channels) as 1 | 2 | 3 | 4;
  let carrier = sharp(source, { autoOrient: true, limitInputPixels: false }).flatten();
  carrier = carrier.resize(width, height, { kernel: 'nearest', fit: 'fill' });
  if (keepsAlpha) {
    carrier = carrier.joinChannel(asSharpInput(alpha), { raw: { width, height, channels: 1 } });
  }
  carrier = carrier
    .linear(0, 0)
    .boolean(asSharpInput(pixels), 'or', { raw: { width, height, channels } })
    .toColourspace(outputColourspace(colour, format));
  carrier = cmyk ? carrier.keepExif() : carrier.keepMetadata();
  return withFormat(carrier, format, quality);
}

/**
 * sharp reads a typed array's element type as the sample depth (Uint16Array →
 * 16 bits), which its typings for these operands don't declare.
 */
function asSharpInput(pixels: Pixels): Buffer {
  return pixels as unknown as Buffer;
}

function outputColourspace(colour: PixelImage, format: OutputFormat): string {
  const keeps16 = format === 'png' || format === 'tiff';
  const keepsGrey = format !== 'webp' && format !== 'avif';
  return colourspace(colour.channels === 1 && keepsGrey, keeps16 ? colour.bits : 8);
}

function withFormat(pipeline: Sharp, format: OutputFormat, quality?: number): Sharp {
  switch (format) {
    case 'png':
      return pipeline.png();
    case 'jpg':
      return pipeline.jpeg({ quality: quality ?? 92 });
    case 'webp':
      return pipeline.webp({ quality: quality ?? 90 });
    case 'avif':
      return pipeline.avif({ quality: quality ?? 70 });
    case 'tiff':
      return pipeline.tiff({ compression: 'lzw' });
  }
}

function interleaveAlpha(colour: PixelImage, alpha: Pixels): Pixels {
  const { channels, data } = colour;
  const pixels = alpha.length;
  const out =
    data instanceof Uint16Array
      ? new Uint16Array(pixels * (channels + 1))
      : new Uint8Array(pixels * (channels + 1));
  for (let i = 0; i < pixels; i += 1) {
    for (let c = 0; c < channels; c += 1) out[i * (channels + 1) + c] = data[i * channels + c] ?? 0;
    out[i * (channels + 1) + channels] = alpha[i] ?? 0;
  }
  return out;
}

/** JPEG has no alpha: composite over white, as viewers show transparency. */
function flattenForJpeg(colour: PixelImage, alpha: Pixels | null): Pixels {
  if (alpha === null) return colour.data;
  const { channels, data } = colour;
  const max = colour.bits === 16 ? 65535 : 255;
  const out = data.slice();
  for (let i = 0; i < alpha.length; i += 1) {
    const a = (alpha[i] ?? max) / max;
    for (let c = 0; c < channels; c += 1) {
      out[i * channels + c] = Math.round((data[i * channels + c] ?? 0) * a + max * (1 - a));
    }
  }
  return out;
}
