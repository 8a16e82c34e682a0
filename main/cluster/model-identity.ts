/** A model's identity across machines: id, version and a fingerprint of its files. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { modelFiles } from '../engine/graph-manifest.js';
import type { ModelInfo } from '../engine/types.js';
import type { ModelIdentity } from './protocol.js';

const fingerprints = new Map<string, Promise<string>>();

/** Hashed once per process and model folder: models do not change under a running Yonos. */
export function modelIdentity(model: ModelInfo): Promise<ModelIdentity> {
  let fingerprint = fingerprints.get(model.dir);
  if (fingerprint === undefined) {
    fingerprint = fingerprintOf(model);
    fingerprints.set(model.dir, fingerprint);
  }
  return fingerprint.then((value) => ({
    id: model.id,
    version: model.manifest.version,
    fingerprint: value,
  }));
}

async function fingerprintOf(model: ModelInfo): Promise<string> {
  const hash = createHash('sha256');
  const files = ['manifest.json', ...modelFiles(model.manifest)];
  for (const file of files) {
    for await (const chunk of createReadStream(path.join(model.dir, file))) {
      hash.update(chunk as Buffer);
    }
  }
  return hash.digest('hex').slice(0, 16);
}
