import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (installed by test/install-chromium.sh); Playwright never downloads one. */
export const CHROMIUM = process.env.READOUT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium for the browser tests. The flags keep it from reaching out to Google's
 * services (this machine's network refuses them) and let it run as root in a container;
 * Playwright gives each launch a new, empty profile.
 */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
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
