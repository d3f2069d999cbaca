import { Page } from 'playwright-core';

/**
 * Other work on the machine (tests making network namespaces) adds and drops interfaces, and
 * Chromium then abandons what it was loading with this error: the host's doing, not the page's.
 */
const NETWORK_CHANGED = 'net::ERR_NETWORK_CHANGED';

/**
 * Collects what a page logs as an error, and what it throws, into `errors` (each labelled):
 * what the tests require to stay empty. A load abandoned for a network change is left out.
 */
export function watchForErrors(page: Page, errors: string[], label: () => string): void {
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes(NETWORK_CHANGED))
      errors.push(`${message.text()} (${label()})`);
  });
  page.on('pageerror', (error) => errors.push(`${String(error)} (${label()})`));
}

/** Opens the page, loading it again (up to three times) when a network change abandoned it. */
export async function openPage(page: Page, url: string, timeoutMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(url, { timeout: timeoutMs });
      return;
    } catch (error) {
      if (attempt === 3 || !String(error).includes(NETWORK_CHANGED)) throw error;
    }
  }
}
