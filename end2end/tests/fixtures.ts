// Shared test fixtures: the server's URL as baseURL; a list of every console
// error and page error, so each test can assert there were none; and, before
// every test, the shared topology made whole (the replica restarted if an
// earlier test stopped it, health back to ok), so no test depends on the
// order the tests run in or on another test cleaning up after itself.
import { test as base, expect } from '@playwright/test';
import { listening, startRedis, waitFor } from '../support/processes';

export const test = base.extend<{ consoleErrors: string[]; wholeTopology: void }>({
  baseURL: async ({}, use) => {
    await use(process.env.CACHESCOPE_URL);
  },
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(err.message));
    await use(errors);
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
