/**
 * How `yonos upscale` reports: JSON Lines (`--json`, the contract for other
 * tools) or text for people, with a progress bar when stderr is a terminal.
 */
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { KeptReason, UpscaleProgress, UpscaleResult } from '../engine/index.js';

export interface UpscaleSummary {
  files: number;
  done: number;
  skipped: number;
  failed: number;
  /** Ctrl+C or SIGTERM stopped the batch; the photo in progress left no file behind. */
  interrupted: boolean;
  ms: number;
}

/** A batch of `files` inputs before any has run. */
export function startingSummary(files: number): UpscaleSummary {
  return { files, done: 0, skipped: 0, failed: 0, interrupted: false, ms: 0 };
}

/** Why a photo was not upscaled: its output exists (`--skip-existing`), or it is one of our outputs. */
export type SkipReason = { reason: 'output exists'; output: string } | { reason: 'a Yonos output' };

/** Why `--overwrite` left an existing file alone (the photo then gets a numbered name). */

export interface UpscaleReporter {
  /** How many inputs the batch has, once folders are expanded. */
  start?: (files: number) => void;
  progress: (progress: UpscaleProgress) => void;
  kept?: (input: string, path: string, reason: KeptReason) => void;
  done: (result: UpscaleResult) => void;
  skipped: (input: string, why: SkipReason) => void;
  failed: (input: string, message: string) => void;
  summary: (summary: UpscaleSummary) => void;
}

/** One JSON object per line on stdout; see README "The `--json` event contract". */
export function jsonReporter(write: (line: string) => void): UpscaleReporter {
  const emit = (event: Record<string, unknown>): void => {
    write(`${JSON.stringify(event)}\n`);
  };
  return {
    progress: (p) => {
      emit({
        type: 'progress',
        file: p.file,
        tilesDone: p.tilesDone,
        tilesTotal: p.tilesTotal,
        elapsedMs: Math.round(p.elapsedMs),
        etaMs: p.etaMs === null ? null : Math.round(p.etaMs),
      });
    },
    done: (r) => {
      emit({
        type: 'done',
        input: r.input,
        output: r.output,
        width: r.width,
        height: r.height,
        ms: Math.round(r.ms),
        device: r.device,
        model: r.modelId,
      });
    },
    kept: (input, path, reason) => {
      emit({ type: 'kept', input, path, reason });
    },
    skipped: (input, why) => {
      emit({ type: 'skipped', input, ...why });
    },
    failed: (input, message) => {
      emit({ type: 'error', input, message });
    },
    summary: (s) => {
      emit({ type: 'summary', ...s, ms: Math.round(s.ms) });
    },
  };
}

/** Results on stdout, problems on stderr, and a progress bar on stderr when it is a terminal. */
export function humanReporter(
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WriteStream,
): UpscaleReporter {
  let bar: cliProgress.SingleBar | null = null;
  let barFile: string | null = null;
  const stopBar = (): void => {
    bar?.stop();
    bar = null;
  };
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return {
    progress: (p) => {
      if (!stderr.isTTY) return;
      // The next photo's inference starts while the one before is still being encoded.
      if (barFile !== p.file) stopBar();
      if (bar === null) {
        barFile = p.file;
        bar = new cliProgress.SingleBar(
          {
            stream: stderr,
            format: `${path.basename(p.file)} [{bar}] {value}/{total} tiles, ETA {eta_formatted}`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.tilesTotal, 0);
      }
      bar.setTotal(p.tilesTotal);
      bar.update(p.tilesDone);
    },
    done: (r) => {
      stopBar();
      stdout.write(
        `${r.input} → ${r.output} (${r.width}×${r.height}, ${seconds(r.ms)}, ${r.device})\n`,
      );
    },
    kept: (input, path, reason) => {
      stopBar();
      stdout.write(`${input}: kept ${path} (${reason})\n`);
    },
    skipped: (input, why) => {
      stopBar();
      const detail = why.reason === 'output exists' ? `${why.output} exists` : why.reason;
      stdout.write(`${input}: skipped, ${detail}\n`);
    },
    failed: (input, message) => {
      stopBar();
      stderr.write(`${input}: ${message}\n`);
    },
    summary: (s) => {
      stopBar();
      const parts = [`${s.done} upscaled`, `${s.skipped} skipped`, `${s.failed} failed`];
      stdout.write(`${parts.join(', ')} in ${seconds(s.ms)}\n`);
    },
  };
}

/** One reporter that passes every event to each of these, in order. */
export function combinedReporter(reporters: UpscaleReporter[]): UpscaleReporter {
  return {
    start: (files) => {
      for (const reporter of reporters) reporter.start?.(files);
    },
    progress: (p) => {
      for (const reporter of reporters) reporter.progress(p);
    },
    done: (r) => {
      for (const reporter of reporters) reporter.done(r);
    },
    kept: (input, path, reason) => {
      for (const reporter of reporters) reporter.kept?.(input, path, reason);
    },
    skipped: (input, why) => {
      for (const reporter of reporters) reporter.skipped(input, why);
    },
    failed: (input, message) => {
      for (const reporter of reporters) reporter.failed(input, message);
    },
    summary: (s) => {
      for (const reporter of reporters) reporter.summary(s);
    },
  };
}
