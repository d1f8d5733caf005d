import { test, expect } from './fixtures';
import { startRedis, waitFor } from '../support/processes';

test('the dashboard moves with lookups and alerts when a replica stops', async ({ page, request }) => {
  await page.goto('/dashboard');
  await expect(page.getByTestId('feed-status')).toHaveText('Live');
  await expect(page.getByTestId('all-clear')).toBeVisible();
  const replicaAddr = process.env.CACHESCOPE_REPLICA!;
  const replicaCard = page.locator(`[data-testid=repl-node][data-addr="${replicaAddr}"]`);
  await expect(replicaCard.getByTestId('heartbeat')).toHaveText(/^\d+ ms$/);

  // Lookups make the numbers move, and stream into the live list.
  const lookups = page.getByTestId('lookups');
  // Counts are written for the page's language: `1,234` in English.
  const count = async (el: any) => Number(((await el.textContent()) ?? '0').replace(/,/g, ''));
  await expect(lookups).toHaveText(/^[\d,]+$/);
  const before = await count(lookups);
  for (let n = 1; n <= 6; n++) {
    expect((await request.get(`/api/products/prod${n + 10}`)).status()).toBe(200);
  }
  await expect.poll(async () => count(lookups)).toBeGreaterThanOrEqual(before + 6);
  await expect(page.getByTestId('live-lookups')).toContainText("prod16");
  // A search shows as what was searched, never as its cache key.
  expect((await request.get('/api/search?q=SMARTPHONE%20premium&category=electronics&max_price=1000')).status()).toBe(200);
  await expect(page.getByTestId('live-lookups')).toContainText('premium smartphone · electronics · ≤ $1,000');
  await expect(page.getByTestId('live-lookups')).not.toContainText('q=');

  // Stop the replica: the alert shows within a few seconds.
  process.kill(Number(process.env.CACHESCOPE_REPLICA_PID), 'SIGKILL');
  const alert = page.getByTestId('node-alert');
  await expect(alert).toContainText(`Redis replica ${replicaAddr} is down`, { timeout: 5_000 });
  await expect(replicaCard).toHaveAttribute('data-up', 'false');

  // Bring it back: the alert clears.
  const restarted = startRedis(Number(process.env.CACHESCOPE_REPLICA_PORT), Number(process.env.CACHESCOPE_MASTER_PORT));
  process.env.CACHESCOPE_REPLICA_PID = String(restarted.pid);
  await expect(page.getByTestId('all-clear')).toBeVisible({ timeout: 10_000 });
  await waitFor('health ok', 10_000, async () => (await (await request.get('/api/health')).json()).status === 'ok');
  restarted.unref();

  // The page's own connection never broke.
  await expect(page.getByTestId('feed-status')).toHaveText('Live');
});

test('the live feed reconnects by itself and leaves nothing behind', async ({ page }) => {
  // Keep a handle on every WebSocket the page opens.
  await page.addInitScript(() => {
    const Native = window.WebSocket;
    const sockets: WebSocket[] = [];
    (window as any).__sockets = sockets;
    (window as any).WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    };
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto('/dashboard');
  const pill = page.getByTestId('feed-status');
  await expect(pill).toHaveText('Live');
  const count = () => page.evaluate(() => (window as any).__sockets.length as number);
  const first = await count();

  // The connection drops: the page says so, then is live again on a new socket.
  await page.evaluate(() => (window as any).__sockets.at(-1).close());
  await expect(pill).toContainText('Reconnecting');
  await expect(pill).toHaveText('Live', { timeout: 5_000 });
  expect(await count()).toBe(first + 1);

  // Leaving the page closes its socket (the search page opens its own);
  // coming back opens a new one, and no event of an old socket reaches a
  // handler that is gone.
  const dashboardSocket = (await count()) - 1;
  await page.getByRole('link', { name: 'Search' }).click();
  await expect
    .poll(() => page.evaluate((i) => (window as any).__sockets[i].readyState, dashboardSocket))
    .toBe(3);
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(pill).toHaveText('Live');
  expect(pageErrors).toEqual([]);
});

test('a dashboard opened later shows the last minutes at once', async ({ page }) => {
  const points = async () => ((await page.locator('polyline.s-redis').getAttribute('points')) ?? '').trim().split(/\s+/).filter(Boolean).length;
  await page.goto('/dashboard');
  await expect(page.getByTestId('feed-status')).toHaveText('Live');
  // Let the server collect a few ticks, then open the page afresh.
  await expect.poll(points, { timeout: 15_000 }).toBeGreaterThanOrEqual(6);
  const before = await points();
  await page.reload();
  await expect(page.getByTestId('feed-status')).toHaveText('Live');
  // The snapshot carried the history: no waiting for ticks to pile up again.
  expect(await points()).toBeGreaterThanOrEqual(before);
});

test('the dashboard splits lookups by tier and shows the near cache', async ({ page, request }) => {
  await page.goto('/dashboard');
  await expect(page.getByTestId('feed-status')).toHaveText('Live');
  // The near cache of this server is live; its entries are counted.
  await expect(page.getByTestId('near')).toHaveText(/^[\d,]+$/);
  await expect(page.getByTestId('near-bytes')).toHaveText(/^entries · [\d.]+ (B|KiB|MiB)$/);
  // Repeated lookups of one id end in the near cache.
  for (let n = 0; n < 10; n++) {
    expect((await request.get('/api/products/prod21')).status()).toBe(200);
  }
  const split = page.getByTestId('tier-split');
  await expect(split).toContainText('near');
  await expect(split).toContainText('Redis');
  await expect(split).toContainText('database');
  await expect
    .poll(async () => Number(((await split.locator('.split-near .split-count').textContent()) ?? '0').replace(/,/g, '')))
    .toBeGreaterThan(0);
  await expect(page.getByTestId('live-lookups').getByText('NEAR').first()).toBeVisible();
  // The two hit ratios are explained in words.
  await expect(page.getByTestId('ratio-note')).toContainText('near hits are not in it');
});
