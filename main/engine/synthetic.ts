/**
 * A deterministic photo-like test image: smooth gradients, fine texture, hard
 * edges and a little noise, so no stage can shortcut flat areas and every
 * run of the bench sees the same pixels.
 */
export function syntheticPhoto(width: number, height: number): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const u = x / width;
      const v = y / height;
      const texture = 18 * Math.sin(x * 0.9) * Math.cos(y * 0.7);
      const edge = (Math.floor(x / 24) + Math.floor(y / 24)) % 2 === 0 ? 30 : -30;
      const disc = (u - 0.6) ** 2 + (v - 0.4) ** 2 < 0.04 ? 60 : 0;
      const noise = (((x * 73856093) ^ (y * 19349663)) % 17) - 8;
      const base = texture + edge + disc + noise;
      const i = (y * width + x) * 3;
      pixels[i] = clamp(40 + 150 * u + base);
      pixels[i + 1] = clamp(60 + 120 * v + base);
      pixels[i + 2] = clamp(200 - 120 * u * v + base * 0.5);
    }
  }
  return pixels;
}

const clamp = (value: number): number => Math.max(0, Math.min(255, Math.round(value)));
