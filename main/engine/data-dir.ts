import os from 'node:os';
import path from 'node:path';

/**
 * Where Yonos keeps its library database, thumbnails and caches. The desktop
 * app and the CLI share it, so `yonos library list` sees what the app imported.
 * `YONOS_DATA_DIR` overrides it (the CLI's `--data-dir` sets that variable).
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const override = env.YONOS_DATA_DIR;
  if (override !== undefined && override !== '') return path.resolve(override);
  if (platform === 'win32') {
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Yonos');
  }
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Yonos');
  const xdgDataHome = env.XDG_DATA_HOME;
  const dataHome =
    xdgDataHome !== undefined && path.isAbsolute(xdgDataHome)
      ? xdgDataHome
      : path.join(home, '.local', 'share');
  return path.join(dataHome, 'yonos');
}
