/** What the queue view and the batch progress view both need from the job list. */
import type { Job, JobsQuery, YonosApi } from '../../../main/shared/contract.js';

const pageSize = 1000;

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

/** The mean time the finished (done) ones among these jobs took, or null before any did. */
export function meanJobDurationMs(jobs: Job[]): number | null {
  const durations = jobs
    .filter((job) => job.state === 'done' && job.startedAt !== null && job.finishedAt !== null)
    .map((job) => (job.finishedAt ?? 0) - (job.startedAt ?? 0));
  return durations.length === 0
    ? null
    : durations.reduce((sum, duration) => sum + duration, 0) / durations.length;
}
