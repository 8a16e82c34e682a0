/**
 * The queue's "time left": the running photo's own tile ETA plus every waiting
 * photo's estimate, not the running photo alone (which is what the batch line
 * used to show until the first photo finished).
 */
import { describe, expect, it } from 'vitest';
import type { Job, JobDetail } from '../../common/contract.js';
import { remainingMs } from '../../renderer/src/lib/jobs.js';

function job(id: number, state: Job['state'], startedAt: number | null = null): Job {
  return {
    id,
    batchId: 1,
    photoId: id,
    input: `/p/${id}.jpg`,
    output: `/p/${id}_x4.jpg`,
    settings: {
      modelId: null,
      scale: 4,
      steps: null,
      tile: null,
      format: null,
      quality: null,
      template: '{name}_x{scale}',
      collision: 'skip',
      outDir: null,
      sourceRoot: null,
    },
    device: 'auto',
    priority: 0,
    state,
    progress: 0,
    attempts: state === 'queued' ? 0 : 1,
    error: null,
    createdAt: 0,
    startedAt,
    finishedAt: null,
  };
}

function detail(id: number, estimatedMs: number | null): JobDetail {
  return { id, width: 800, height: 600, versionId: null, estimatedMs };
}

describe('remainingMs', () => {
  it('adds the waiting photos’ estimates to the running photo’s tile ETA', () => {
    const active = [job(1, 'running', 0), job(2, 'queued'), job(3, 'queued')];
    const details = { 1: detail(1, 60_000), 2: detail(2, 40_000), 3: detail(3, 20_000) };
    expect(remainingMs(active, { 1: { etaMs: 30_000 } }, details, 10_000)).toBe(90_000);
  });

  it('uses the running photo’s estimate less its elapsed time before its first tile', () => {
    const active = [job(1, 'running', 0), job(2, 'queued')];
    const details = { 1: detail(1, 60_000), 2: detail(2, 40_000) };
    expect(remainingMs(active, {}, details, 15_000)).toBe(85_000);
  });

  it('is unknown while a waiting photo cannot be estimated yet', () => {
    const active = [job(1, 'running', 0), job(2, 'queued')];
    expect(remainingMs(active, { 1: { etaMs: 5000 } }, { 2: detail(2, null) })).toBeNull();
  });

  it('is zero with nothing left to do', () => {
    expect(remainingMs([], {}, {})).toBe(0);
  });
});
