import packageJson from '../package.json' with { type: 'json' };

/** The app version, from package.json so there is one source of truth. */
export const appVersion: string = packageJson.version;
