/**
 * The device probe's entry point (bundled as device-probe.mjs), run as a
 * child process by devices.ts: `node device-probe.mjs <provider>`. It prints
 * one JSON line, the check or the error; whatever the native libraries write
 * to stderr (Dawn's warnings, say) goes to the parent, not to a terminal.
 */
import { checkProvider } from './device-check.js';

const provider = process.argv[2] ?? '';
try {
  const check = await checkProvider(provider);
  process.stdout.write(`${JSON.stringify({ ok: true, ...check })}\n`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
}
