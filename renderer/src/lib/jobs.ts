/** What the queue view and the batch progress view both need from the job list. */
import type { Job, JobDetail, JobsQuery, YonosApi } from '$common/contract';

const pageSize = 1000;

export const activeStates: ReadonlySet<Job['state']> = new Set(['queued', 'running', 'paused']);

/** Every job matching the query, oldest first, fetched page by page. */
export async function listAllJobs(
  api: YonosApi,
  query: Omit<JobsQuery, 'afterId' | 'limit'> = {},
): Promise<Job[]> {
  const all: Job[] = [];
  for (;;) {
    const page = await api.jobsList({ ...query, afterId: all.at(-1)?.id ?? 0, limit: pageSize });
    all.push(...page);
    if (page.length < pageSize) return all;
  }
}

/**
 * The time the active jobs still need: the running one's own tile ETA, and
 * every other its estimate (output megapixels at this machine's measured
 * speed). Null while any of them cannot be estimated yet.
 */
export function remainingMs(
  active: readonly Job[],
  tiles: Readonly<Record<number, { etaMs: number | null } | undefined>>,
  details: Readonly<Record<number, JobDetail | undefined>>,
  now = Date.now(),
): number | null {
  let total = 0;
  for (const job of active) {
    const tileEta = job.state === 'running' ? tiles[job.id]?.etaMs : null;
    if (tileEta != null) {
      total += tileEta;
      continue;
    }
    const estimate = details[job.id]?.estimatedMs;
    if (estimate == null) return null;
    const elapsed = job.state === 'running' && job.startedAt !== null ? now - job.startedAt : 0;
    total += Math.max(0, estimate - elapsed);
  }
  return total;
}
