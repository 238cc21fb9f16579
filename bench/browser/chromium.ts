// Headless Chromium as the browser figures launch it (Debian's, through playwright-core).
import type { Browser } from 'playwright-core';

/** Launches /usr/bin/chromium headless, with nothing in the background that would spend CPU during a figure. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
