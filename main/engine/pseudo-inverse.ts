/**
 * The Moore–Penrose pseudo-inverse of a small symmetric matrix, as numpy.linalg.pinv computes it
 * (singular values at or below 1e-15 × the largest are dropped), for NIQE's 36×36 covariances.
 * The eigen-decomposition is the cyclic Jacobi method (Jacobi 1846; Golub & Van Loan, Matrix
 * Computations, §8.5): plane rotations zero the off-diagonal entries one by one, sweep after sweep,
 * until the matrix is diagonal to machine precision. For a symmetric matrix the singular values are
 * the eigenvalues' magnitudes, so pinv = V·diag(1/λ)·Vᵀ over the kept eigenvalues.
 */

export interface SymmetricEigen {
  values: Float64Array;
  /** Row-major n×n; column k is the eigenvector of values[k]. */
  vectors: Float64Array;
}

const maxSweeps = 100;

/** Eigenvalues and eigenvectors of a symmetric n×n matrix (row-major). */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  const a = Float64Array.from(matrix);
  const v = Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  for (let sweep = 0; sweep < maxSweeps && offDiagonalNorm(a, n) > 0; sweep += 1) {
    for (let p = 0; p < n - 1; p += 1) {
      for (let q = p + 1; q < n; q += 1) rotate(a, v, n, p, q);
    }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => a[i * n + i] ?? 0), vectors: v };
}

function offDiagonalNorm(a: Float64Array, n: number): number {
  let sum = 0;
  let diagonal = 0;
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < n; j += 1) {
      const value = a[i * n + j] ?? 0;
      if (i === j) diagonal += value * value;
      else sum += value * value;
    }
  }
  // Below this the rotations no longer change the diagonal in double precision.
  return sum > 1e-32 * diagonal ? sum : 0;
}

/** The Jacobi rotation in the (p, q) plane that zeroes a[p][q] (Rutishauser's stable formulas). */
function rotate(a: Float64Array, v: Float64Array, n: number, p: number, q: number): void {
  const apq = a[p * n + q] ?? 0;
  if (apq === 0) return;
  const theta = ((a[q * n + q] ?? 0) - (a[p * n + p] ?? 0)) / (2 * apq);
  const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  for (let k = 0; k < n; k += 1) {
    const akp = a[k * n + p] ?? 0;
    const akq = a[k * n + q] ?? 0;
    a[k * n + p] = c * akp - s * akq;
    a[k * n + q] = s * akp + c * akq;
  }
  for (let k = 0; k < n; k += 1) {
    const apk = a[p * n + k] ?? 0;
    const aqk = a[q * n + k] ?? 0;
    a[p * n + k] = c * apk - s * aqk;
    a[q * n + k] = s * apk + c * aqk;
  }
  for (let k = 0; k < n; k += 1) {
    const vkp = v[k * n + p] ?? 0;
    const vkq = v[k * n + q] ?? 0;
    v[k * n + p] = c * vkp - s * vkq;
    v[k * n + q] = s * vkp + c * vkq;
  }
}

/** numpy.linalg.pinv of a symmetric n×n matrix (row-major). */
export function pseudoInverse(matrix: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const cutoff = 1e-15 * Math.max(...values.map(Math.abs));
  const inverse = new Float64Array(n * n);
  values.forEach((value, k) => {
    if (Math.abs(value) <= cutoff) return;
    for (let i = 0; i < n; i += 1) {
      const vik = (vectors[i * n + k] ?? 0) / value;
      for (let j = 0; j < n; j += 1) {
        inverse[i * n + j] = (inverse[i * n + j] ?? 0) + vik * (vectors[j * n + k] ?? 0);
      }
    }
  });
  return inverse;
}
