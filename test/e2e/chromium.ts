import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Playwright drives the system's Chromium; it never downloads a browser of its own.
const candidates = [
  process.env.YONOS_CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export function findChromium(): string {
  const found = candidates.find((candidate) => candidate !== undefined && existsSync(candidate));
  if (found === undefined) {
    throw new Error(
      'No Chromium found for the e2e tests: install it (Debian: apt-get install chromium) ' +
        'or set YONOS_CHROMIUM to its executable.',
    );
  }
  return found;
}

/** Headless, quiet, fresh profile (Playwright gives each launch a temporary one). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
