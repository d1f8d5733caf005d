// Shared test fixtures: the server's URL as baseURL; every console error and
// page error, which fail the test unless it allowed them; `gotoHydrated`; and, before
// every test, the shared topology made whole (the replica restarted if an
// earlier test stopped it, health back to ok), so no test depends on the
// order the tests run in or on another test cleaning up after itself.
import { test as base, expect } from '@playwright/test';
import { listening, startRedis, waitFor } from '../support/processes';

export const test = base.extend<{
  consoleAllowlist: RegExp[];
  consoleErrors: string[];
  gotoHydrated: (url: string) => Promise<void>;
  wholeTopology: void;
}>({
  baseURL: async ({}, use) => {
    await use(process.env.CACHESCOPE_URL);
  },
  // Console errors a test expects (push patterns): refusals the page shows
  // as answers log "Failed to load resource", for instance.
  consoleAllowlist: async ({}, use) => {
    await use([]);
  },
  // Every console error and page error, checked after every test: one that
  // the test did not allow fails it.
  consoleErrors: [
    async ({ page, consoleAllowlist }, use, testInfo) => {
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('pageerror', (err) => errors.push(err.message));
      await use(errors);
      if (testInfo.status === testInfo.expectedStatus) {
        const unexpected = errors.filter((e) => !consoleAllowlist.some((p) => p.test(e)));
        expect(unexpected, 'console errors the test did not allow').toEqual([]);
      }
    },
    { auto: true },
  ],
  // Opens a page and waits until the wasm app runs on it (lazy parts too).
  gotoHydrated: async ({ page }, use) => {
    await use(async (url: string) => {
      await page.goto(url);
      await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
    });
  },
  wholeTopology: [
    async ({ request }, use) => {
      const replicaPort = Number(process.env.CACHESCOPE_REPLICA_PORT);
      if (!(await listening(replicaPort))) {
        const replica = startRedis(replicaPort, Number(process.env.CACHESCOPE_MASTER_PORT));
        replica.unref();
        process.env.CACHESCOPE_REPLICA_PID = String(replica.pid);
      }
      await waitFor('health ok', 15_000, async () => {
        const health = await request.get(`${process.env.CACHESCOPE_URL}/api/health`);
        return (await health.json()).status === 'ok';
      });
      await use();
    },
    { auto: true },
  ],
});

export { expect };
