/** The tile helper thread's entry point (bundled as tile-worker.mjs): see tile-work.ts. */
import { parentPort } from 'node:worker_threads';
import { TileWorkState, type FromTileWorker, type ToTileWorker } from './tile-work.js';

const port = parentPort;
if (port === null) throw new Error('tile-worker must run as a worker thread');

let state: TileWorkState | null = null;

port.on('message', (message: ToTileWorker) => {
  if (message.type === 'start') {
    state = new TileWorkState(message.image, message.spec);
    return;
  }
  try {
    port.postMessage(...answer(message));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    port.postMessage({ type: 'failed', id: message.id, message: reason } satisfies FromTileWorker);
  }
});

function answer(
  message: Exclude<ToTileWorker, { type: 'start' }>,
): [FromTileWorker, ArrayBuffer[]] {
  if (state === null) throw new Error('the tile helper was not started');
  const { id } = message;
  switch (message.type) {
    case 'inputs': {
      const inputs = state.inputs(message.batch);
      return [
        { type: 'inputs', id, inputs },
        [inputs.lr.buffer, inputs.noise.buffer] as ArrayBuffer[],
      ];
    }
    case 'blend':
      state.blend(message.batch, message.hr);
      return [{ type: 'blended', id }, []];
    case 'finish': {
      const image = state.finish();
      return [{ type: 'finished', id, image }, [image.data.buffer] as ArrayBuffer[]];
    }
  }
}
