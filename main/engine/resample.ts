import sharp from 'sharp';

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/**
 * Classic Lanczos-3 upscale of raw pixels. It is the baseline every learned
 * model is compared against, and the cheapest stage to benchmark a machine.
 */
export async function lanczosUpscale(image: RawImage, scale: number): Promise<RawImage> {
  const { width, height, channels } = image;
  const { data, info } = await sharp(image.data, { raw: { width, height, channels } })
    .resize(width * scale, height * scale, { kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Deterministic-size RGB noise: detail everywhere, so no stage can shortcut flat areas. */
export async function noiseImage(width: number, height: number): Promise<RawImage> {
  const { data, info } = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: 128, g: 128, b: 128 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}
