/** Near-simultaneous launches (Windows: one process per selected file) become one batch. */
import { describe, expect, it } from 'vitest';
import type { LaunchRequest } from '../../main/launch/launch-args.js';
import {
  LaunchBatcher,
  type BatcherTimers,
  type LaunchBatch,
} from '../../main/launch/launch-batcher.js';

/** A hand-driven clock: `advance` fires the timers that come due. */
function manualTimers() {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const clock: BatcherTimers = {
    now: () => now,
    setTimeout: (callback, ms) => {
      timers.set(++nextId, { at: now + ms, callback });
      return nextId;
    },
    clearTimeout: (handle) => timers.delete(handle as number),
  };
  const advance = (ms: number): void => {
    const until = now + ms;
    for (;;) {
      const due = [...timers.entries()]
        .filter(([, timer]) => timer.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].callback();
    }
    now = until;
  };
  return { clock, advance };
}

const upscale = (scale: 4 | 8, ...files: string[]): LaunchRequest => ({
  kind: 'upscale',
  scale,
  outDir: null,
  files,
});

function batcherWith(options: { quietMs?: number; maxWaitMs?: number } = {}) {
  const { clock, advance } = manualTimers();
  const batches: LaunchBatch[] = [];
  const batcher = new LaunchBatcher((batch) => batches.push(batch), {
    quietMs: 500,
    maxWaitMs: 3000,
    ...options,
    timers: clock,
  });
  return { batcher, batches, advance };
}

describe('LaunchBatcher', () => {
  it('makes one batch of launches within the quiet time, files once each and in order', () => {
    const { batcher, batches, advance } = batcherWith();
    batcher.add(upscale(4, '/p/a.jpg'));
    advance(200);
    batcher.add(upscale(4, '/p/b.jpg', '/p/a.jpg'));
    advance(400);
    batcher.add(upscale(4, '/p/c.jpg'));
    advance(499);
    expect(batches).toEqual([]);
    advance(1);
    expect(batches).toEqual([upscale(4, '/p/a.jpg', '/p/b.jpg', '/p/c.jpg')]);
  });

  it('keeps ×4, ×8, other output folders and files to open apart', () => {
    const { batcher, batches, advance } = batcherWith();
    batcher.add(upscale(8, '/p/a.jpg'));
    batcher.add(upscale(4, '/p/a.jpg'));
    batcher.add({ kind: 'upscale', scale: 4, outDir: '/out', files: ['/p/b.jpg'] });
    batcher.add({ kind: 'open', files: ['/p/c.jpg'] });
    batcher.add(upscale(8, '/p/d.jpg'));
    batcher.add({ kind: 'none' });
    advance(500);
    expect(batches).toEqual([
      upscale(8, '/p/a.jpg', '/p/d.jpg'),
      upscale(4, '/p/a.jpg'),
      { kind: 'upscale', scale: 4, outDir: '/out', files: ['/p/b.jpg'] },
      { kind: 'open', files: ['/p/c.jpg'] },
    ]);
  });

  it('starts a new batch for a launch after the last one closed', () => {
    const { batcher, batches, advance } = batcherWith();
    batcher.add(upscale(4, '/p/a.jpg'));
    advance(600);
    batcher.add(upscale(4, '/p/b.jpg'));
    advance(500);
    expect(batches).toEqual([upscale(4, '/p/a.jpg'), upscale(4, '/p/b.jpg')]);
  });

  it('closes a batch that keeps growing after the longest wait', () => {
    const { batcher, batches, advance } = batcherWith({ maxWaitMs: 1000 });
    for (let index = 0; index < 6; index++) {
      batcher.add(upscale(4, `/p/${index}.jpg`));
      advance(300);
    }
    // 0, 300, 600, 900 joined the first batch, which closed at 1000; 1200 and 1500 the next.
    expect(batches).toEqual([upscale(4, '/p/0.jpg', '/p/1.jpg', '/p/2.jpg', '/p/3.jpg')]);
    advance(500);
    expect(batches[1]).toEqual(upscale(4, '/p/4.jpg', '/p/5.jpg'));
  });

  it('ignores plain launches and hands over on flush', () => {
    const { batcher, batches } = batcherWith();
    batcher.add({ kind: 'none' });
    batcher.flush();
    expect(batches).toEqual([]);
    batcher.add(upscale(4, '/p/a.jpg'));
    batcher.flush();
    expect(batches).toEqual([upscale(4, '/p/a.jpg')]);
  });

  it('works on real timers', async () => {
    const batches: LaunchBatch[] = [];
    const batcher = new LaunchBatcher((batch) => batches.push(batch), {
      quietMs: 150,
      maxWaitMs: 2000,
    });
    batcher.add(upscale(4, '/p/a.jpg'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    batcher.add(upscale(4, '/p/b.jpg'));
    expect(batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(batches).toEqual([upscale(4, '/p/a.jpg', '/p/b.jpg')]);
    batcher.add(upscale(4, '/p/c.jpg'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(batches).toEqual([upscale(4, '/p/a.jpg', '/p/b.jpg'), upscale(4, '/p/c.jpg')]);
  });
});
