/**
 * Where the per-user right-click actions live, following the XDG base
 * directories (an XDG variable counts only when it holds an absolute path).
 */
import os from 'node:os';
import path from 'node:path';

export interface IntegrationPlaces {
  /** $XDG_DATA_HOME, else ~/.local/share. */
  dataHome: string;
  /** $XDG_CONFIG_HOME, else ~/.config. */
  configHome: string;
  /** $XDG_CONFIG_DIRS, else /etc/xdg: where Thunar's system-wide actions come from. */
  configDirs: string[];
  /** The one script every action runs. */
  launcher: string;
}

export function integrationPlaces(
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): IntegrationPlaces {
  const dataHome = absoluteOr(env.XDG_DATA_HOME, path.join(home, '.local', 'share'));
  const configDirs = (env.XDG_CONFIG_DIRS ?? '').split(':').filter((dir) => path.isAbsolute(dir));
  return {
    dataHome,
    configHome: absoluteOr(env.XDG_CONFIG_HOME, path.join(home, '.config')),
    configDirs: configDirs.length > 0 ? configDirs : ['/etc/xdg'],
    launcher: path.join(dataHome, 'yonos', 'file-manager-action'),
  };
}

function absoluteOr(value: string | undefined, fallback: string): string {
  return value !== undefined && path.isAbsolute(value) ? value : fallback;
}
