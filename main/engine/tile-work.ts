/**
 * The CPU side of a tiled upscale: the model inputs of each batch (pixels and
 * noise) and the blending of each batch's output. On the caller's thread
 * (`localTileWork`) or on helper threads (`TileHelpers`), where it runs
 * while the inference thread waits in ONNX Runtime: the next batch's inputs
 * and the last batch's blending then cost the critical path nothing.
 */
import { Worker } from 'node:worker_threads';
import { OutputBand } from './output-band.js';
import type { PixelImage } from './pipeline.js';
import { tileInputs, type LatentSpec, type TileInputs } from './tile-inputs.js';
import type { Tile, TileLayout } from './tiler.js';
import { bundledEntryUrl } from './worker-url.js';

export interface TileWorkSpec {
  layout: Pick<TileLayout, 'columns' | 'rows'>;
  /** The batches of tiles, in the order they are run. */
  batches: Tile[][];
  scale: number;
  overlap: number;
  /** The noise canvas's latent; null for a single-graph model, which takes no noise. */
  latent: LatentSpec | null;
  seed: number;
}

export interface TileWork {
  inputs(batch: number): Promise<TileInputs>;
  /** Hands over the decoder's N×3×h×w output of a batch (the buffer may be transferred). */
  blend(batch: number, hr: Float32Array): Promise<void>;
  finish(): Promise<PixelImage>;
  /** Frees the helper, if any; after finish, or when the upscale is abandoned. */
  close(): Promise<void>;
}

export type TileWorkFactory = (image: PixelImage, spec: TileWorkSpec) => TileWork;

/** The work, synchronously: what the helper thread runs, and the choice for small jobs and tests. */
export class TileWorkState {
  readonly #image: PixelImage;
  readonly #spec: TileWorkSpec;
  /** Made at the first blend: a helper that only makes inputs never needs it. */
  #band: OutputBand | null = null;

  constructor(image: PixelImage, spec: TileWorkSpec) {
    this.#image = image;
    this.#spec = spec;
  }

  inputs(batch: number): TileInputs {
    const { seed, latent, scale } = this.#spec;
    return tileInputs(this.#image, this.#tiles(batch), seed, latent, scale);
  }

  blend(batch: number, hr: Float32Array): void {
    const band = this.#outputBand();
    this.#tiles(batch).forEach((tile, index) => {
      band.add(tile, hr, index);
    });
  }

  finish(): PixelImage {
    return this.#outputBand().finish();
  }

  #outputBand(): OutputBand {
    const { layout, scale, overlap } = this.#spec;
    this.#band ??= new OutputBand(this.#image, layout, scale, overlap);
    return this.#band;
  }

  #tiles(batch: number): Tile[] {
    const tiles = this.#spec.batches[batch];
    if (tiles === undefined) throw new Error(`no batch ${batch}`);
    return tiles;
  }
}

export const localTileWork: TileWorkFactory = (image, spec) => {
  const state = new TileWorkState(image, spec);
  return {
    inputs: (batch) => Promise.resolve(state.inputs(batch)),
    blend: (batch, hr) => {
      state.blend(batch, hr);
      return Promise.resolve();
    },
    finish: () => Promise.resolve(state.finish()),
    close: () => Promise.resolve(),
  };
};

export type ToTileWorker =
  | { type: 'start'; image: PixelImage; spec: TileWorkSpec }
  | { type: 'inputs'; id: number; batch: number }
  | { type: 'blend'; id: number; batch: number; hr: Float32Array }
  | { type: 'finish'; id: number };

export type FromTileWorker =
  | { type: 'inputs'; id: number; inputs: TileInputs }
  | { type: 'blended'; id: number }
  | { type: 'finished'; id: number; image: PixelImage }
  | { type: 'failed'; id: number; message: string };

/** Batch outputs the blending helper may hold before the inference thread waits: bounds memory. */
const blendsInFlight = 2;

/**
 * Two helper threads: one makes the inputs (mostly the noise canvas), one
 * blends, so on a fast GPU neither has to keep up with the model alone. They
 * are kept from one image to the next (starting threads costs more than a
 * small image's tile work) and serve one image at a time, as the inference
 * worker runs them.
 */
export class TileHelpers {
  #inputs: TileHelper | null = null;
  #blend: TileHelper | null = null;

  readonly work: TileWorkFactory = (image, spec) => {
    this.#inputs = this.#inputs?.usable === true ? this.#inputs : new TileHelper();
    this.#blend = this.#blend?.usable === true ? this.#blend : new TileHelper();
    const inputsHelper = this.#inputs;
    const blendHelper = this.#blend;
    inputsHelper.start(image, spec);
    // Blending needs the image's size, not its pixels.
    blendHelper.start({ ...image, data: image.data.subarray(0, 0) }, spec);
    const blends: Promise<unknown>[] = [];
    return {
      inputs: async (batch) => {
        const reply = await inputsHelper.ask({ type: 'inputs', batch });
        if (reply.type !== 'inputs') throw new Error(`unexpected ${reply.type}`);
        return reply.inputs;
      },
      blend: async (batch, hr) => {
        const blended = blendHelper.ask({ type: 'blend', batch, hr }, ownBuffer(hr));
        // Awaited below or in finish; until then a failure must not count as unhandled.
        blended.catch(() => undefined);
        blends.push(blended);
        while (blends.length > blendsInFlight) await blends.shift();
      },
      finish: async () => {
        await Promise.all(blends.splice(0));
        const reply = await blendHelper.ask({ type: 'finish' });
        if (reply.type !== 'finished') throw new Error(`unexpected ${reply.type}`);
        return reply.image;
      },
      // The threads stay for the next image; anything still queued for this one is answered and ignored.
      close: () => Promise.resolve(),
    };
  };

  async close(): Promise<void> {
    await Promise.all([this.#inputs?.close(), this.#blend?.close()]);
    this.#inputs = null;
    this.#blend = null;
  }
}

/** A request without its id (one per member of the union). */
type TileRequest =
  Extract<ToTileWorker, { id: number }> extends infer M
    ? M extends { id: number }
      ? Omit<M, 'id'>
      : never
    : never;

/** One helper thread holding a TileWorkState (one image's); requests are answered in order. */
class TileHelper {
  readonly #worker: Promise<Worker>;
  readonly #replies = new Map<
    number,
    { resolve: (message: FromTileWorker) => void; reject: (error: Error) => void }
  >();
  #nextId = 1;
  #failure: Error | null = null;

  constructor() {
    this.#worker = bundledEntryUrl('tile-worker').then((url) => {
      const worker = new Worker(url);
      // Waiting for replies keeps the inference thread busy enough; an idle helper must not.
      worker.unref();
      worker.on('message', (message: FromTileWorker) => {
        const reply = this.#replies.get(message.id);
        this.#replies.delete(message.id);
        if (message.type === 'failed') reply?.reject(new Error(message.message));
        else reply?.resolve(message);
      });
      worker.on('error', (error) => {
        this.#fail(error);
      });
      worker.on('exit', (code) => {
        this.#fail(new Error(`The tile helper thread stopped (exit code ${String(code)}).`));
      });
      return worker;
    });
    this.#worker.catch((error: unknown) => {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
    });
  }

  get usable(): boolean {
    return this.#failure === null;
  }

  /** Makes the helper work on this image from the next request on. */
  start(image: PixelImage, spec: TileWorkSpec): void {
    void this.#worker.then(
      (worker) => {
        worker.postMessage({ type: 'start', image, spec } satisfies ToTileWorker);
      },
      () => undefined,
    );
  }

  async ask(request: TileRequest, transfer: ArrayBuffer[] = []): Promise<FromTileWorker> {
    if (this.#failure !== null) throw this.#failure;
    const worker = await this.#worker;
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#replies.set(id, { resolve, reject });
      worker.postMessage({ ...request, id }, transfer);
    });
  }

  async close(): Promise<void> {
    this.#fail(new Error('The tile helper thread was closed.'));
    await (await this.#worker.catch(() => null))?.terminate();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const reply of this.#replies.values()) reply.reject(error);
    this.#replies.clear();
  }
}

/** The buffer to transfer rather than copy, when the array is all of it (ONNX Runtime's outputs are). */
function ownBuffer(array: Float32Array): ArrayBuffer[] {
  const { buffer } = array;
  const whole = array.byteOffset === 0 && array.byteLength === buffer.byteLength;
  return whole && buffer instanceof ArrayBuffer ? [buffer] : [];
}
