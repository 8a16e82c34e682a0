/**
 * The cluster in words: one formatter for the app's Queue view and Settings
 * and for `yonos jobs status`, so both say the same thing.
 */
import { describe, expect, it } from 'vitest';
import {
  clusterSummary,
  missingModelNotice,
  speedLabel,
  workerLabel,
} from '../../common/cluster-summary.js';
import type { ClusterStatus, ClusterWorker } from '../../common/contract.js';
import { describeClusterStatus } from '../../main/cli/cluster-status.js';

function worker(fields: Partial<ClusterWorker> = {}): ClusterWorker {
  return {
    id: 'studio-2-4242-a1b2c3',
    host: 'studio-2',
    device: 'cuda',
    concurrency: 2,
    running: 1,
    jobsDone: 14,
    models: ['yonos-photo-x4 1.0.0 (abc123)'],
    megapixelsPerSecond: 3.1,
    ...fields,
  };
}

function cluster(fields: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    address: 'redis://:***@studio-1:6379',
    workers: [worker(), worker({ id: 'studio-3-1-d4e5f6', host: 'studio-3' }), worker()],
    queueDepth: 12,
    megapixelsPerSecond: 9.3,
    etaMs: 4 * 60_000,
    missingModels: [],
    ...fields,
  };
}

describe('the cluster summary', () => {
  it('counts workers and waiting jobs, with the speed and the time left', () => {
    expect(clusterSummary(cluster())).toBe(
      '3 workers · 12 jobs waiting · 9.30 MP/s · about 4 min left',
    );
  });

  it('says one worker and one job in the singular', () => {
    expect(clusterSummary(cluster({ workers: [worker()], queueDepth: 1 }))).toBe(
      '1 worker · 1 job waiting · 9.30 MP/s · about 4 min left',
    );
  });

  it('says so when no worker is connected and nothing is measured yet', () => {
    expect(
      clusterSummary(
        cluster({ workers: [], queueDepth: 0, megapixelsPerSecond: null, etaMs: null }),
      ),
    ).toBe('no worker connected · 0 jobs waiting · speed not measured yet · time left unknown');
  });

  it('says nothing is left at zero, and counts seconds and hours as the rest of the app does', () => {
    expect(clusterSummary(cluster({ etaMs: 0 }))).toMatch(/ · nothing left$/);
    expect(clusterSummary(cluster({ etaMs: 40_000 }))).toMatch(/ · about 40 s left$/);
    expect(clusterSummary(cluster({ etaMs: 80 * 60_000 }))).toMatch(/ · about 1 h 20 min left$/);
  });
});

describe('a worker in words', () => {
  it('names it by its host unless told otherwise', () => {
    expect(workerLabel(worker())).toBe('studio-2 · cuda · 1/2 running · 14 done · 3.10 MP/s');
    expect(workerLabel(worker({ megapixelsPerSecond: null }), 'studio-2-4242-a1b2c3')).toBe(
      'studio-2-4242-a1b2c3 · cuda · 1/2 running · 14 done · speed not measured yet',
    );
  });

  it('measures speed in output megapixels per second, two decimals', () => {
    expect(speedLabel(12.345)).toBe('12.35 MP/s');
    expect(speedLabel(null)).toBe('speed not measured yet');
  });
});

describe('yonos jobs status', () => {
  it('says the same as the app: the summary, each worker by its id, each model no worker has', () => {
    const model = 'yonos-tiny-x2 0.1.0 (abc123)';
    expect(describeClusterStatus(cluster({ workers: [worker()], missingModels: [model] }))).toEqual(
      [
        'Cluster redis://:***@studio-1:6379: 1 worker · 12 jobs waiting · 9.30 MP/s · about 4 min left',
        '  studio-2-4242-a1b2c3 · cuda · 1/2 running · 14 done · 3.10 MP/s',
        `  ${missingModelNotice(model)}`,
      ],
    );
    expect(missingModelNotice(model)).toBe(
      'No live worker has yonos-tiny-x2 0.1.0 (abc123): its jobs wait until a worker with exactly that model joins.',
    );
  });
});
