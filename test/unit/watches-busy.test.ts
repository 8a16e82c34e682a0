import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../common/errors.js';
import { WatchesBusyError } from '../../main/watch/manager.js';

describe('a watch request while another process runs the watches', () => {
  it('is a conflict, so HTTP answers 409 and the CLI exits 1 with the one-line reason', () => {
    const error = new WatchesBusyError('yonos watch (pid 42)');
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain('already run by yonos watch (pid 42)');
  });
});
