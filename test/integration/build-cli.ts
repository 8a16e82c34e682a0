/**
 * Global setup of the integration project: bundles the Node side (`node
 * esbuild.config.mjs`, no renderer) so tests can run the real `yonos` bin in a
 * child process, as a user would.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['esbuild.config.mjs'], { stdio: 'inherit' });
}
