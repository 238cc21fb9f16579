// Headless Chromium as the browser figures (quiet-chromium.ts) and the
// browser tests (through playwright-core) launch it: Debian's.
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless, with nothing in the background that would spend CPU during a figure. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
