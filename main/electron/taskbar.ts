/** Taskbar/dock progress while jobs run, and a notification when a batch of work ends. */
import { Notification, type BrowserWindow } from 'electron';
import type { JobQueue } from '../jobs/queue.js';
import type { YonosEvents } from '../../common/contract.js';

export function trackQueueProgress(
  events: YonosEvents,
  queue: JobQueue,
  window: BrowserWindow,
): () => void {
  let done = 0;
  let failed = 0;
  let busy = false;
  return events.subscribe((event) => {
    if (window.isDestroyed()) return;
    if (event.type === 'jobProgress') {
      busy = true;
      window.setProgressBar(event.progress);
      return;
    }
    if (event.type !== 'job') return;
    if (event.job.state === 'done') done++;
    if (event.job.state === 'failed') failed++;
    if (event.job.state === 'running') {
      busy = true;
      window.setProgressBar(2); // indeterminate until the first tile
      return;
    }
    const { counts } = queue.status();
    const remaining = counts.queued + counts.running;
    if (remaining > 0 || !busy) return;
    busy = false;
    window.setProgressBar(-1);
    if (Notification.isSupported()) {
      new Notification({
        title: 'Yonos: batch finished',
        body: `${done} photo(s) enhanced${failed > 0 ? `, ${failed} failed` : ''}.`,
      }).show();
    }
    done = 0;
    failed = 0;
  });
}
