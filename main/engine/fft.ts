/**
 * The discrete Fourier transform of any length, in double precision, as numpy's and torch's `fft`
 * compute it (forward, unnormalised): X[k] = Σₙ x[n]·e^(−2πi·kn/N).
 *
 * Powers of two use the iterative radix-2 Cooley–Tukey algorithm (Cooley & Tukey 1965); every other
 * length uses Bluestein's chirp-z algorithm (Bluestein 1970): with kn = (k² + n² − (k − n)²)/2 the DFT
 * is a convolution of x[n]·w[n] with the chirp conj(w), w[n] = e^(−πi·n²/N), which three power-of-two
 * FFTs of length ≥ 2N − 1 compute. Photos come in any size, so both are needed.
 */

type Transform = (re: Float64Array, im: Float64Array) => void;

/**
 * Plans (tables and work buffers, up to ~0.5 MB for a long side of a few thousand pixels) for the
 * lengths last used: an eval scores three images of one size in a row, and a folder of photos of
 * many sizes must not keep a plan for each.
 */
const plans = new Map<number, Transform>();
const keptPlans = 8;

/** Transforms (re, im) in place; both of the same length. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  let plan = plans.get(n);
  if (plan === undefined) {
    plan = isPowerOfTwo(n) ? radix2(n) : bluestein(n);
    plans.set(n, plan);
    const oldest = plans.keys().next().value;
    if (plans.size > keptPlans && oldest !== undefined) plans.delete(oldest);
  }
  plan(re, im);
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

function radix2(n: number): Transform {
  const bits = Math.log2(n);
  const reversed = Uint32Array.from({ length: n }, (_, i) => {
    let r = 0;
    for (let b = 0; b < bits; b += 1) r |= ((i >> b) & 1) << (bits - 1 - b);
    return r;
  });
  const cos = Float64Array.from({ length: n / 2 }, (_, k) => Math.cos((2 * Math.PI * k) / n));
  const sin = Float64Array.from({ length: n / 2 }, (_, k) => -Math.sin((2 * Math.PI * k) / n));
  return (re, im) => {
    for (let i = 0; i < n; i += 1) {
      const j = reversed[i] ?? 0;
      if (j > i) {
        swap(re, i, j);
        swap(im, i, j);
      }
    }
    for (let size = 2; size <= n; size *= 2) {
      const half = size / 2;
      const stride = n / size;
      for (let k = 0; k < half; k += 1) {
        const wr = cos[k * stride] ?? 0;
        const wi = sin[k * stride] ?? 0;
        for (let a = k; a < n; a += size) {
          const b = a + half;
          const br = re[b] ?? 0;
          const bi = im[b] ?? 0;
          const tr = wr * br - wi * bi;
          const ti = wr * bi + wi * br;
          const ar = re[a] ?? 0;
          const ai = im[a] ?? 0;
          re[b] = ar - tr;
          im[b] = ai - ti;
          re[a] = ar + tr;
          im[a] = ai + ti;
        }
      }
    }
  };
}

function swap(values: Float64Array, i: number, j: number): void {
  const value = values[i] ?? 0;
  values[i] = values[j] ?? 0;
  values[j] = value;
}

function bluestein(n: number): Transform {
  let m = 1;
  while (m < 2 * n - 1) m *= 2;
  const inner = radix2(m);
  // The chirp's angle from k² mod 2N, so it stays exact for large k.
  const angle = (k: number): number => (Math.PI * ((k * k) % (2 * n))) / n;
  const chirpRe = Float64Array.from({ length: n }, (_, k) => Math.cos(angle(k)));
  const chirpIm = Float64Array.from({ length: n }, (_, k) => -Math.sin(angle(k)));
  // The transform of the convolution kernel conj(w), wrapped around for the circular convolution.
  const kernelRe = new Float64Array(m);
  const kernelIm = new Float64Array(m);
  for (let k = 0; k < n; k += 1) {
    kernelRe[k] = chirpRe[k] ?? 0;
    kernelIm[k] = -(chirpIm[k] ?? 0);
    if (k > 0) {
      kernelRe[m - k] = kernelRe[k] ?? 0;
      kernelIm[m - k] = kernelIm[k] ?? 0;
    }
  }
  inner(kernelRe, kernelIm);
  const workRe = new Float64Array(m);
  const workIm = new Float64Array(m);
  return (re, im) => {
    workRe.fill(0);
    workIm.fill(0);
    for (let k = 0; k < n; k += 1) {
      const xr = re[k] ?? 0;
      const xi = im[k] ?? 0;
      const cr = chirpRe[k] ?? 0;
      const ci = chirpIm[k] ?? 0;
      workRe[k] = xr * cr - xi * ci;
      workIm[k] = xr * ci + xi * cr;
    }
    inner(workRe, workIm);
    // Pointwise product, conjugated so that the same forward FFT computes the inverse.
    for (let k = 0; k < m; k += 1) {
      const xr = workRe[k] ?? 0;
      const xi = workIm[k] ?? 0;
      const kr = kernelRe[k] ?? 0;
      const ki = kernelIm[k] ?? 0;
      workRe[k] = xr * kr - xi * ki;
      workIm[k] = -(xr * ki + xi * kr);
    }
    inner(workRe, workIm);
    // Conjugate back, scale by 1/m, and multiply by the chirp.
    for (let k = 0; k < n; k += 1) {
      const xr = (workRe[k] ?? 0) / m;
      const xi = -(workIm[k] ?? 0) / m;
      const cr = chirpRe[k] ?? 0;
      const ci = chirpIm[k] ?? 0;
      re[k] = xr * cr - xi * ci;
      im[k] = xr * ci + xi * cr;
    }
  };
}
