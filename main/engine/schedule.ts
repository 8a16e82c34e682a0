/**
 * The cosine log-SNR schedule and DDIM sampling plan of the model contract,
 * mirroring trainer/yonos_train/schedule.py and diffusion.ddim_timesteps.
 */

export interface ScheduleSpec {
  logsnr_min: number;
  logsnr_max: number;
}

/** λ(t) = −2·log(tan(a·t + b)): λ(0) = logsnr_max, λ(1) = logsnr_min. */
export function logsnrCosine(t: number, { logsnr_min, logsnr_max }: ScheduleSpec): number {
  const b = Math.atan(Math.exp(-0.5 * logsnr_max));
  const a = Math.atan(Math.exp(-0.5 * logsnr_min)) - b;
  return -2 * Math.log(Math.tan(a * t + b));
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** α = √sigmoid(λ), σ = √sigmoid(−λ), so α² + σ² = 1. */
export function alphaSigma(logsnr: number): { alpha: number; sigma: number } {
  return { alpha: Math.sqrt(sigmoid(logsnr)), sigma: Math.sqrt(sigmoid(-logsnr)) };
}

/** t_0 = 1 > t_1 > … > t_steps = 0, evenly spaced. */
export function ddimTimes(steps: number): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => 1 - i / steps);
}

export interface DdimStep {
  /** λ(t_i), fed to the U-Net. */
  logsnr: number;
  alpha: number;
  sigma: number;
  /** α, σ at t_{i+1}; null on the last step, which returns the predicted clean latent. */
  next: { alpha: number; sigma: number } | null;
}

export function ddimPlan(steps: number, schedule: ScheduleSpec): DdimStep[] {
  const times = ddimTimes(steps);
  return Array.from({ length: steps }, (_, i) => {
    const logsnr = logsnrCosine(times[i] ?? 0, schedule);
    const isLast = i === steps - 1;
    return {
      logsnr,
      ...alphaSigma(logsnr),
      next: isLast ? null : alphaSigma(logsnrCosine(times[i + 1] ?? 0, schedule)),
    };
  });
}

/**
 * One DDIM update in place: z ← x̂ on the last step, else α'·x̂ + σ'·ε̂,
 * with x̂ = α·z − σ·v and ε̂ = σ·z + α·v.
 */
export function ddimUpdate(z: Float32Array, v: Float32Array, step: DdimStep): void {
  const { alpha, sigma, next } = step;
  for (let i = 0; i < z.length; i += 1) {
    const zi = z[i] ?? 0;
    const vi = v[i] ?? 0;
    const x = alpha * zi - sigma * vi;
    z[i] = next === null ? x : next.alpha * x + next.sigma * (sigma * zi + alpha * vi);
  }
}

/**
 * The same update as z' = a·z + b·v (what a device runs as one multiply-add):
 * a = α, b = −σ on the last step, else a = α'α + σ'σ, b = σ'α − α'σ.
 */
export function ddimCoefficients(step: DdimStep): { a: number; b: number } {
  const { alpha, sigma, next } = step;
  if (next === null) return { a: alpha, b: -sigma };
  return { a: next.alpha * alpha + next.sigma * sigma, b: next.sigma * alpha - next.alpha * sigma };
}
