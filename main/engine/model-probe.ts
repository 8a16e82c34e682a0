/**
 * The model probe's entry point (bundled as model-probe.mjs), run in a process
 * of its own by graph-probe-process.ts (a Node child process, or Electron's
 * utility process in the app): `node model-probe.mjs FILE TILE CAP_BYTES`.
 * The probe itself (graph-inspect.ts, then graph-probe.ts) runs on a worker
 * thread while this thread watches the process's memory: past the cap it
 * answers and exits, so a graph that allocates without bound ends here, not
 * in the app. It prints one JSON line, the report or the one-line refusal.
 */
import { readFile } from 'node:fs/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { inspectGraph, type GraphFacts } from './graph-inspect.js';
import { probeGraph, type ProbeReport } from './graph-probe.js';

export type ProbeAnswer =
  { ok: true; facts: GraphFacts; report: ProbeReport } | { ok: false; error: string };

interface ProbeJob {
  file: string;
  tile: number;
}

const watchIntervalMs = 20;

if (isMainThread) watch();
else void probe(workerData as ProbeJob);

function watch(): void {
  const [file = '', tile = '128', cap = '0'] = process.argv.slice(2);
  const capBytes = Number(cap);
  let answered = false;
  /** Prints the answer, then ends the process once the line is out (a pipe may be asynchronous). */
  const answer = (message: ProbeAnswer, end: () => void = () => process.exit(0)): void => {
    if (answered) return;
    answered = true;
    process.stdout.write(`${JSON.stringify(message)}\n`, end);
  };
  // An exit would wait for the worker's current ONNX Runtime call, which may
  // go on allocating: past the cap the process kills itself instead.
  const killNow = (): void => {
    process.kill(process.pid, 'SIGKILL');
  };
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { file, tile: Number(tile) } satisfies ProbeJob,
  });
  setInterval(() => {
    if (process.memoryUsage.rss() > capBytes) {
      const megabytes = Math.round(capBytes / 2 ** 20);
      answer(
        {
          ok: false,
          error: `Cannot use this model: at a ${tile}-px tile it needed more than the memory cap (${megabytes} MB).`,
        },
        killNow,
      );
    }
  }, watchIntervalMs);
  worker.on('message', (message: ProbeAnswer) => {
    answer(message);
  });
  worker.on('error', (error) => {
    answer({ ok: false, error: error.message });
  });
}

async function probe({ file, tile }: ProbeJob): Promise<void> {
  let message: ProbeAnswer;
  try {
    const bytes = await readFile(file);
    const facts = inspectGraph(bytes);
    message = { ok: true, facts, report: await probeGraph(bytes, facts, tile) };
  } catch (error) {
    message = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(message);
}
