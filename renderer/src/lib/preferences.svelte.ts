/**
 * The renderer's own preferences (how things look, not what jobs do), kept
 * in this browser profile's localStorage: the theme and the thumbnail size.
 */
export type Theme = 'dark' | 'light' | 'system';

const themeKey = 'yonos.theme';
const thumbnailKey = 'yonos.thumbnailSize';
export const thumbnailSizes = { min: 120, max: 360, step: 20, initial: 200 } as const;

class Preferences {
  theme = $state<Theme>(readTheme());
  thumbnailSize = $state(readThumbnailSize());

  setTheme(theme: Theme): void {
    this.theme = theme;
    localStorage.setItem(themeKey, theme);
    applyTheme(theme);
  }

  setThumbnailSize(size: number): void {
    this.thumbnailSize = clampThumbnail(size);
    localStorage.setItem(thumbnailKey, String(this.thumbnailSize));
  }
}

function readTheme(): Theme {
  const stored = localStorage.getItem(themeKey);
  return stored === 'light' || stored === 'system' ? stored : 'dark';
}

function readThumbnailSize(): number {
  const stored = Number(localStorage.getItem(thumbnailKey));
  return stored > 0 ? clampThumbnail(stored) : thumbnailSizes.initial;
}

function clampThumbnail(size: number): number {
  return Math.min(thumbnailSizes.max, Math.max(thumbnailSizes.min, Math.round(size)));
}

/** Dark unless light was chosen, or the system's light theme is followed. */
export function applyTheme(theme: Theme): void {
  const light =
    theme === 'light' ||
    (theme === 'system' && window.matchMedia('(prefers-color-scheme: light)').matches);
  document.documentElement.dataset.theme = light ? 'light' : 'dark';
}

export const preferences = new Preferences();
