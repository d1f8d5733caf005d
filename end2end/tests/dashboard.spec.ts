import { test, expect } from './fixtures';
import { startRedis, waitFor } from '../support/processes';

test('the dashboard moves with lookups and alerts when a replica stops', async ({ page, request, consoleErrors }) => {
  await page.goto('/dashboard');
  await expect(page.getByTestId('feed-status')).toHaveText('Live');
  await expect(page.getByTestId('all-clear')).toBeVisible();
  const replicaAddr = process.env.CACHESCOPE_REPLICA!;
  const replicaCard = page.locator(`[data-testid=repl-node][data-addr="${replicaAddr}"]`);
  await expect(replicaCard.getByTestId('heartbeat')).toHaveText(/^\d+ ms$/);

  // Lookups make the numbers move, and stream into the live list.
  const lookups = page.getByTestId('lookups');
  await expect(lookups).toHaveText(/^\d+$/);
  const before = Number(await lookups.textContent());
  for (let n = 1; n <= 6; n++) {
    expect((await request.get(`/api/products/prod${n + 10}`)).status()).toBe(200);
  }
  await expect.poll(async () => Number(await lookups.textContent())).toBeGreaterThanOrEqual(before + 6);
  await expect(page.getByTestId('live-lookups')).toContainText("prod16");

  // Stop the replica: the alert shows within a few seconds.
  process.kill(Number(process.env.CACHESCOPE_REPLICA_PID), 'SIGKILL');
  const alert = page.getByTestId('node-alert');
  await expect(alert).toContainText(`Redis replica ${replicaAddr} is down`, { timeout: 5_000 });
  await expect(replicaCard).toHaveAttribute('data-up', 'false');

  // Bring it back (for this test and the next ones): the alert clears.
  const restarted = startRedis(Number(process.env.CACHESCOPE_REPLICA_PORT), Number(process.env.CACHESCOPE_MASTER_PORT));
  process.env.CACHESCOPE_REPLICA_PID = String(restarted.pid);
  await expect(page.getByTestId('all-clear')).toBeVisible({ timeout: 10_000 });
  await waitFor('health ok', 10_000, async () => (await (await request.get('/api/health')).json()).status === 'ok');
  restarted.unref();

  // The page's own connection never broke.
  await expect(page.getByTestId('feed-status')).toHaveText('Live');
  expect(consoleErrors).toEqual([]);
});
