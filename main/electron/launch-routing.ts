/**
 * One launch path: the first process's argv, every later launch (which hands
 * its argv to this process and quits) and macOS `open-file` events all become
 * launch requests, gathered into batches by the LaunchBatcher.
 */
import { app, dialog } from 'electron';
import {
  LaunchBatcher,
  type LaunchBatch,
  type LaunchBatcherOptions,
} from '../launch/launch-batcher.js';
import { parseLaunchArgs, type LaunchRequest } from '../launch/launch-args.js';

export interface LaunchRouting {
  /** What this process was started for. */
  first: LaunchRequest;
  /**
   * Whether a launch has handed over files that are not a batch yet (before
   * the backend is ready, or within the batching window). The launching
   * process has already exited: quitting now would lose them.
   */
  pending(): boolean;
}

export interface LaunchRoutingOptions {
  /** Resolves once the backend can take batches; batches wait for it. */
  backendReady: Promise<unknown>;
  /** Takes each batch, once the backend is ready. */
  deliver: (batch: LaunchBatch) => void;
  /** A later launch asked for nothing in particular: show the app. */
  showApp: () => void;
  batcher?: LaunchBatcherOptions;
}

/**
 * Takes the single-instance lock; without it another Yonos runs and has been
 * handed our argv, so this process quits and null comes back. Register before
 * `ready`: macOS sends `open-file` for the files a launch was for before that.
 */
export function routeLaunches(options: LaunchRoutingOptions): LaunchRouting | null {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  const batcher = new LaunchBatcher(options.deliver, options.batcher);
  // Requests wait for the backend before they join the batcher: a slow start
  // must not let its batching window close between the files of one selection.
  let waitingForBackend = 0;
  const add = (request: LaunchRequest): void => {
    if (request.kind === 'none') return;
    waitingForBackend++;
    void options.backendReady.then(() => {
      waitingForBackend--;
      batcher.add(request);
    });
  };
  // The executable, and in development (`electron main.mjs`) the main script.
  const skip = process.defaultApp ? 2 : 1;

  app.on('second-instance', (_event, argv, workingDirectory) => {
    const request = parse(argv, skip, workingDirectory);
    if (request.kind === 'none') void options.backendReady.then(options.showApp);
    else add(request);
  });
  app.on('open-file', (event, file) => {
    event.preventDefault();
    add({ kind: 'open', files: [file] });
  });
  const first = parse(process.argv, skip, process.cwd());
  add(first);
  return { first, pending: () => waitingForBackend > 0 || batcher.pending };
}

/** A request that can't be right is reported and treated as a plain launch. */
function parse(argv: string[], skip: number, cwd: string): LaunchRequest {
  try {
    return parseLaunchArgs(argv, { skip, cwd });
  } catch (error) {
    dialog.showErrorBox(
      'Yonos: cannot do that',
      error instanceof Error ? error.message : String(error),
    );
    return { kind: 'none' };
  }
}
