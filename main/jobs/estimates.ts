/**
 * How long upscaling takes on this machine: milliseconds per output
 * megapixel, measured from the jobs that finished here (per model, else per
 * scale, else any: the cost per output pixel hardly depends on the scale),
 * or, before any finished, extrapolated from the running job's tiles. Each
 * photo's estimate is its output megapixels times that speed.
 */
import type { Db } from '../library/db.js';
import type { JobDetail, PhotosEstimate, Speed } from '../../common/contract.js';
import { jobSettingsSchema } from '../../common/contract.js';
import type { LiveProgress } from './live-progress.js';

interface Sample {
  modelId: string;
  scale: number;
  megapixels: number;
  msPerMegapixel: number;
}

/** Enough recent jobs to smooth out the first one's model loading, few enough to follow a new device. */
const samplesPerSpeed = 15;
/**
 * Below this output size a job's fixed costs (decoding, starting the model)
 * outweigh its pixels, so its time per megapixel says little about a real photo.
 */
const minSampleMegapixels = 0.25;
const sampleRows = 200;
const activeStates = new Set(['queued', 'running', 'paused']);

export class Estimates {
  constructor(
    private readonly db: Db,
    private readonly progress: LiveProgress,
  ) {}

  /** The speed for jobs of this scale (and model, when known). */
  speed(scale: number, modelId: string | null = null, samples = this.#samples()): Speed {
    const candidates = [
      samples.filter((sample) => sample.modelId === modelId),
      samples.filter((sample) => sample.scale === scale),
      samples,
    ];
    const chosen = candidates.find((list) => list.length > 0);
    if (chosen !== undefined) {
      const values = chosen.slice(0, samplesPerSpeed).map((sample) => sample.msPerMegapixel);
      return { msPerMegapixel: median(values), basis: 'measured' };
    }
    return this.#runningSpeed();
  }

  /** This model's own measured speed only (a model card must not quote another model's). */
  modelSpeed(modelId: string): Speed {
    const values = this.#samples()
      .filter((sample) => sample.modelId === modelId)
      .slice(0, samplesPerSpeed)
      .map((sample) => sample.msPerMegapixel);
    return values.length === 0 ? null : { msPerMegapixel: median(values), basis: 'measured' };
  }

  photos(photoIds: number[], scale: number, modelId: string | null): PhotosEstimate {
    const sizes = this.db
      .prepare<[string], { width: number; height: number }>(
        'SELECT width, height FROM photos WHERE id IN (SELECT value FROM json_each(?))',
      )
      .all(JSON.stringify(photoIds));
    const outputMegapixels =
      sizes.reduce((total, size) => total + size.width * size.height, 0) * (scale * scale) * 1e-6;
    const speed = this.speed(scale, modelId);
    return {
      photos: sizes.length,
      outputMegapixels,
      speed,
      estimatedMs: speed === null ? null : outputMegapixels * speed.msPerMegapixel,
    };
  }

  jobs(ids: number[]): JobDetail[] {
    const rows = this.db
      .prepare<[string], JobSizeRow>(
        `SELECT j.id, j.state, j.settings, p.width AS photo_width, p.height AS photo_height,
                v.id AS version_id, v.width AS version_width, v.height AS version_height
         FROM jobs j
         LEFT JOIN photos p ON p.id = j.photo_id
         LEFT JOIN versions v ON v.id = (SELECT max(id) FROM versions WHERE job_id = j.id)
         WHERE j.id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(ids));
    const samples = this.#samples();
    return rows.map((row) => this.#detail(row, samples));
  }

  #detail(row: JobSizeRow, samples: Sample[]): JobDetail {
    const { scale, modelId } = jobSettingsSchema.parse(JSON.parse(row.settings));
    const width = row.version_width ?? (row.photo_width === null ? null : row.photo_width * scale);
    const height =
      row.version_height ?? (row.photo_height === null ? null : row.photo_height * scale);
    const speed = activeStates.has(row.state) ? this.speed(scale, modelId, samples) : null;
    return {
      id: row.id,
      width,
      height,
      versionId: row.version_id,
      estimatedMs:
        speed === null || width === null || height === null
          ? null
          : width * height * 1e-6 * speed.msPerMegapixel,
    };
  }

  /** Newest first: the time each finished job took per output megapixel (real-sized ones when there are). */
  #samples(): Sample[] {
    const all = this.db
      .prepare<[number], { model_id: string; scale: number; ms: number; pixels: number }>(
        `SELECT v.model_id, v.scale, j.finished_at - j.started_at AS ms, v.width * v.height AS pixels
         FROM jobs j JOIN versions v ON v.job_id = j.id
         WHERE j.state = 'done' AND j.started_at IS NOT NULL AND j.finished_at > j.started_at
         ORDER BY j.finished_at DESC LIMIT ?`,
      )
      .all(sampleRows)
      .filter((row) => row.pixels > 0)
      .map((row) => ({
        modelId: row.model_id,
        scale: row.scale,
        megapixels: row.pixels * 1e-6,
        msPerMegapixel: row.ms / (row.pixels * 1e-6),
      }));
    const large = all.filter((sample) => sample.megapixels >= minSampleMegapixels);
    return large.length > 0 ? large : all;
  }

  /** Before any job finished: the running job's elapsed time plus its tile ETA, per output megapixel. */
  #runningSpeed(): Speed {
    const row = this.db
      .prepare<[], RunningRow>(
        `SELECT j.id, j.started_at, j.settings, p.width, p.height
         FROM jobs j JOIN photos p ON p.id = j.photo_id
         WHERE j.state = 'running' AND j.started_at IS NOT NULL ORDER BY j.started_at LIMIT 1`,
      )
      .get();
    const live = row === undefined ? undefined : this.progress.get(row.id);
    if (row === undefined || live?.etaMs == null || live.tilesDone === 0) return null;
    const { scale } = jobSettingsSchema.parse(JSON.parse(row.settings));
    const megapixels = row.width * row.height * scale * scale * 1e-6;
    if (megapixels <= 0) return null;
    const totalMs = live.at - row.started_at + live.etaMs;
    return { msPerMegapixel: totalMs / megapixels, basis: 'running' };
  }
}

interface JobSizeRow {
  id: number;
  state: string;
  settings: string;
  photo_width: number | null;
  photo_height: number | null;
  version_id: number | null;
  version_width: number | null;
  version_height: number | null;
}

interface RunningRow {
  id: number;
  started_at: number;
  settings: string;
  width: number;
  height: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
