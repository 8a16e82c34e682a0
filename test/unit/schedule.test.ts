import { describe, expect, it } from 'vitest';
import {
  alphaSigma,
  ddimCoefficients,
  ddimPlan,
  ddimTimes,
  ddimUpdate,
  logsnrCosine,
} from '../../main/engine/schedule.js';
import { must } from '../support/must.js';

const bounds = { logsnr_min: -20, logsnr_max: 20 };

describe('cosine log-SNR schedule', () => {
  it('runs from logsnr_max at t=0 to logsnr_min at t=1', () => {
    expect(logsnrCosine(0, bounds)).toBeCloseTo(20, 9);
    expect(logsnrCosine(1, bounds)).toBeCloseTo(-20, 9);
  });

  it('crosses zero at t=½ for symmetric bounds (a·½ + b = π/4)', () => {
    expect(logsnrCosine(0.5, bounds)).toBeCloseTo(0, 12);
  });

  it('matches the trainer (schedule.py) in between', () => {
    // torch float64: logsnr_cosine(0.25) and (0.9), alpha_sigma of each.
    expect(logsnrCosine(0.25, bounds)).toBeCloseTo(1.7626187665611515, 12);
    expect(logsnrCosine(0.9, bounds)).toBeCloseTo(-3.6849899867181963, 12);
    const { alpha, sigma } = alphaSigma(logsnrCosine(0.25, bounds));
    expect(alpha).toBeCloseTo(0.923870845372786, 12);
    expect(sigma).toBeCloseTo(0.38270440429941993, 12);
  });

  it('is variance preserving: α² + σ² = 1', () => {
    for (const t of [0, 0.1, 0.37, 0.5, 0.8, 1]) {
      const { alpha, sigma } = alphaSigma(logsnrCosine(t, bounds));
      expect(alpha ** 2 + sigma ** 2).toBeCloseTo(1, 12);
    }
  });

  it('falls monotonically', () => {
    const values = ddimTimes(50).map((t) => logsnrCosine(t, bounds));
    values.slice(1).forEach((value, i) => {
      expect(value).toBeGreaterThan(values[i] ?? Infinity);
    });
  });
});

describe('DDIM', () => {
  it('steps from t=1 to t=0 evenly', () => {
    expect(ddimTimes(4)).toEqual([1, 0.75, 0.5, 0.25, 0]);
  });

  it('one step is a single U-Net call at λ_min returning the predicted clean latent', () => {
    const [only, ...rest] = ddimPlan(1, bounds);
    const step = must(only);
    expect(rest).toEqual([]);
    expect(step.logsnr).toBeCloseTo(-20, 9);
    expect(step.next).toBeNull();
    const z = Float32Array.from([1, -2, 0.5]);
    const v = Float32Array.from([0.3, 0.1, -1]);
    const expected = Array.from(z, (zi, i) => step.alpha * zi - step.sigma * (v[i] ?? 0));
    ddimUpdate(z, v, step);
    z.forEach((value, i) => {
      expect(value).toBeCloseTo(expected[i] ?? NaN, 6);
    });
  });

  it('re-noises to the next time on intermediate steps', () => {
    const [firstStep, secondStep] = ddimPlan(2, bounds);
    const first = must(firstStep);
    const next = must(first.next);
    expect(secondStep?.logsnr).toBeCloseTo(0, 9);
    expect(next.alpha).toBeCloseTo(secondStep?.alpha ?? NaN, 12);
    const z = Float32Array.from([0.7]);
    const v = Float32Array.from([-0.4]);
    const { alpha, sigma } = first;
    const x = alpha * 0.7 - sigma * -0.4;
    const eps = sigma * 0.7 + alpha * -0.4;
    ddimUpdate(z, v, first);
    expect(z[0]).toBeCloseTo(next.alpha * x + next.sigma * eps, 6);
  });
});

describe('the DDIM update as a multiply-add (what a GPU runs)', () => {
  it('gives the same latent as ddimUpdate on every step, the last one included', () => {
    const schedule = { logsnr_min: -20, logsnr_max: 20 };
    for (const step of ddimPlan(4, schedule)) {
      const z = Float32Array.from([0.3, -1.2, 2.5, 0]);
      const v = Float32Array.from([-0.7, 0.4, 1.1, -2]);
      const { a, b } = ddimCoefficients(step);
      const linear = z.map((value, i) => a * value + b * (v[i] ?? 0));
      ddimUpdate(z, v, step);
      z.forEach((value, i) => {
        expect(linear[i]).toBeCloseTo(value, 5);
      });
    }
  });
});
