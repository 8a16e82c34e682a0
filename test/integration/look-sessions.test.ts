/**
 * A look's strength is baked into the decoder when its session opens
 * (main/engine/decoder-look.ts): the outputs must be those of the two-look
 * graph fed that strength at run time, on real ONNX sessions of the two-look
 * fixture, with the encoder and U-Net sessions shared between looks.
 */
import { copyFile, cp } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelInfo } from '../../main/engine/registry.js';
import type { TensorData } from '../../main/engine/pipeline.js';
import { openModelSessions, type LookChoice, type RunWrapper } from '../../main/engine/sessions.js';
import { fixtureModelsDir, tempDir } from '../support/temp.js';
import { yonosManifest } from '../../main/engine/graph-manifest.js';

const looksDir = path.resolve('test/fixtures/models-looks/yonos-tiny-looks-x4');
const model = loadModelInfo(looksDir, false);
const { scale } = model.manifest;

/** Decoder inputs of an 8×12 LR tile: deterministic, photo-like values. */
const side = { height: 8, width: 12 };
function latentOf(manifest: typeof model.manifest): TensorData {
  const { channels, factor } = yonosManifest({ id: model.id, manifest }).latent;
  const dims = [1, channels, (side.height * scale) / factor, (side.width * scale) / factor];
  const length = dims.reduce((product, dim) => product * dim, 1);
  return { dims, data: Float32Array.from({ length }, (_, i) => Math.sin(i * 0.37)) };
}
const z = latentOf(model.manifest);
const lr: TensorData = {
  dims: [1, 3, side.height, side.width],
  data: Float32Array.from({ length: 3 * side.height * side.width }, (_, i) => (i % 23) / 23),
};
const tensor = (t: TensorData) => new ort.Tensor('float32', t.data, t.dims);

let unmodified: ort.InferenceSession;
beforeAll(async () => {
  unmodified = await ort.InferenceSession.create(path.join(looksDir, 'decoder.onnx'));
});
afterAll(async () => {
  await unmodified.release();
});

/** The old way: the unmodified two-look graph, fed the strength with every call. */
async function fedStrength(strength: number): Promise<Float32Array> {
  const result = await unmodified.run({
    z: tensor(z),
    lr: tensor(lr),
    strength: new ort.Tensor('float32', Float32Array.of(strength), [1]),
  });
  return result.hr?.data as Float32Array;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((max, value, index) => Math.max(max, Math.abs(value - (b[index] ?? NaN))), 0);
}

/** Records the session of each run, by identity. */
function sessionLog(): { wrapRun: RunWrapper; ran: object[] } {
  const ran: object[] = [];
  const wrapRun: RunWrapper = (run) => async (session, feeds) => {
    ran.push(session);
    return run(session, feeds);
  };
  return { wrapRun, ran };
}

describe('looks baked into the decoder session', () => {
  it.each<[string, number, LookChoice]>([
    ['faithful', 0, {}],
    ['detailed at ½', 0.5, { look: 'detailed', strength: 0.5 }],
    ['detailed', 1, { look: 'detailed' }],
  ])('%s gives the outputs of the graph fed strength %s', async (_name, strength, look) => {
    const sessions = await openModelSessions(model, 'cpu');
    try {
      const device = await sessions.device(look);
      const baked = await device.download(await device.run('decoder', { z, lr }));
      expect(maxDifference(baked, await fedStrength(strength))).toBeLessThan(1e-6);
    } finally {
      await sessions.release();
    }
  });

  it('bakes the look on the GPU path too (tensors kept in ORT between graphs)', async () => {
    const sessions = await openModelSessions(model, 'cpu', { residency: 'cpu' });
    try {
      const device = await sessions.device({ look: 'detailed', strength: 0.5 });
      const baked = await device.download(await device.run('decoder', { z, lr }));
      expect(maxDifference(baked, await fedStrength(0.5))).toBeLessThan(1e-6);
    } finally {
      await sessions.release();
    }
  });

  it('shares the encoder and U-Net between looks, and keeps the two most recent decoders', async () => {
    const log = sessionLog();
    const sessions = await openModelSessions(model, 'cpu', { wrapRun: log.wrapRun });
    const decoderOf = async (look: LookChoice): Promise<object | undefined> => {
      const device = await sessions.device(look);
      await device.run('decoder', { z, lr });
      return log.ran.at(-1);
    };
    try {
      const faithful = await decoderOf({});
      const detailed = await decoderOf({ look: 'detailed', strength: 0.7 });
      expect(detailed).not.toBe(faithful);
      expect(await decoderOf({ look: 'faithful' })).toBe(faithful);
      expect(await decoderOf({ look: 'detailed', strength: 0.7 })).toBe(detailed);
      // A third strength closes the least recently used decoder (faithful), which reopens when asked for.
      const third = await decoderOf({ look: 'detailed', strength: 0.2 });
      expect(await decoderOf({ look: 'detailed', strength: 0.7 })).toBe(detailed);
      const reopened = await decoderOf({});
      expect([faithful, detailed, third]).not.toContain(reopened);

      const encoders = new Set<object>();
      for (const look of [{}, { look: 'detailed' as const }]) {
        const device = await sessions.device(look);
        await device.run('encoder', { lr });
        encoders.add(log.ran.at(-1) ?? {});
      }
      expect(encoders.size).toBe(1);
    } finally {
      await sessions.release();
    }
  });

  it('runs a faithful-only model as before, and refuses the detailed look there', async () => {
    const faithfulOnly = loadModelInfo(path.join(fixtureModelsDir, 'yonos-tiny-x4'), false);
    const decoderFile = path.join(faithfulOnly.dir, 'decoder.onnx');
    const plain = await ort.InferenceSession.create(decoderFile);
    const sessions = await openModelSessions(faithfulOnly, 'cpu');
    try {
      const feeds = { z: latentOf(faithfulOnly.manifest), lr };
      const device = await sessions.device({ look: 'faithful' });
      const output = await device.download(await device.run('decoder', feeds));
      const reference = await plain.run({ z: tensor(feeds.z), lr: tensor(lr) });
      expect(output).toEqual(reference.hr?.data);
      await expect(sessions.device({ look: 'detailed' })).rejects.toThrow(
        'Model yonos-tiny-x4 has no detailed look (it has: faithful).',
      );
    } finally {
      await Promise.all([sessions.release(), plain.release()]);
    }
  });

  it('refuses a two-look package whose decoder has no strength input, naming the file', async () => {
    const dir = path.join(await tempDir(), 'broken-looks');
    await cp(looksDir, dir, { recursive: true });
    await copyFile(
      path.join(fixtureModelsDir, 'yonos-tiny-x4', 'decoder.onnx'),
      path.join(dir, 'decoder.onnx'),
    );
    const broken = loadModelInfo(dir, false);
    const sessions = await openModelSessions(broken, 'cpu');
    try {
      await expect(sessions.device({ look: 'detailed' })).rejects.toThrow(
        `Model ${broken.id}: decoder.onnx: the decoder has no strength input to bake a look into`,
      );
    } finally {
      await sessions.release();
    }
  });
});
