/**
 * The app's settings (defaults for new jobs), one JSON row in the library
 * database's app_state table, so they live and move with the library.
 */
import type { Db } from './db.js';
import { appSettingsSchema, defaultNameTemplate, type AppSettings } from '../../common/contract.js';

const settingsKey = 'settings';

export const defaultSettings: AppSettings = {
  device: 'auto',
  tile: null,
  scale: 4,
  modelId: null,
  format: null,
  quality: null,
  template: defaultNameTemplate,
  outDir: null,
  look: 'faithful',
  strength: 1,
};

export class SettingsStore {
  constructor(private readonly db: Db) {}

  /** Stored values over the defaults; a value that no longer parses falls back to its default. */
  get(): AppSettings {
    const row = this.db
      .prepare<[string], { value: string }>('SELECT value FROM app_state WHERE key = ?')
      .get(settingsKey);
    if (row === undefined) return { ...defaultSettings };
    let stored: Record<string, unknown>;
    try {
      stored = JSON.parse(row.value) as Record<string, unknown>;
    } catch {
      return { ...defaultSettings };
    }
    const merged: Record<string, unknown> = { ...defaultSettings };
    for (const [key, value] of Object.entries(stored)) {
      if (!Object.hasOwn(defaultSettings, key)) continue;
      const candidate = { ...merged, [key]: value };
      if (appSettingsSchema.safeParse(candidate).success) merged[key] = value;
    }
    return appSettingsSchema.parse(merged);
  }

  set(changes: Partial<AppSettings>): AppSettings {
    const next = appSettingsSchema.parse({ ...this.get(), ...changes });
    this.db
      .prepare(
        'INSERT INTO app_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(settingsKey, JSON.stringify(next));
    return next;
  }
}
