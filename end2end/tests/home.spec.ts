import { test, expect } from './fixtures';

test('home page renders, hydrates, and shows both nodes live', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('cachescope');

  // Server-rendered topology: the master and the replica, both up.
  const master = page.locator(`[data-testid=node][data-addr="${process.env.CACHESCOPE_MASTER}"]`);
  const replica = page.locator(`[data-testid=node][data-addr="${process.env.CACHESCOPE_REPLICA}"]`);
  await expect(master).toHaveAttribute('data-up', 'true');
  await expect(master.locator('.role')).toHaveText('master');
  await expect(replica).toHaveAttribute('data-up', 'true');
  await expect(replica.locator('.role')).toHaveText('replica');
  await expect(page.getByTestId('status-pill')).toHaveText('All nodes up');

  // Hydrated: the button only reacts once the wasm app has taken over.
  const toggle = page.getByTestId('live-toggle');
  await expect(toggle).toHaveText('Pause live updates');
  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
  await toggle.click();
  await expect(toggle).toHaveText('Resume live updates');
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByText('Live updates paused.')).toBeVisible();
  await toggle.click();
  await expect(toggle).toHaveText('Pause live updates');

  // The page keeps polling /api/health once hydrated.
  const poll = await page.waitForResponse((r) => r.url().endsWith('/api/health'), { timeout: 10_000 });
  expect(poll.status()).toBe(200);
});

test('the stylesheet and the wasm bundle the page links to are served', async ({ page, request }) => {
  await page.goto('/');
  const css = await request.get('/pkg/cachescope.css');
  expect(css.status()).toBe(200);
  expect(await css.text()).toContain('backdrop-filter');
  const wasmHref = await page.locator('link[rel=preload][as=fetch]').getAttribute('href');
  expect(wasmHref).toMatch(/\.wasm$/);
  const wasm = await request.get(wasmHref!);
  expect(wasm.status()).toBe(200);
  expect(wasm.headers()['content-type']).toBe('application/wasm');
});

test('other pages arrive as their own wasm chunks, loaded when first visited', async ({ page }) => {
  const wasm: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()!);
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  expect(wasm).toContain('cachescope.wasm');
  expect(wasm.some((f) => f.includes('dashboard'))).toBe(false);

  // Following the link (client-side routing) fetches the dashboard's chunk,
  // and the page works: live numbers from the WebSocket feed.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect.poll(() => wasm.some((f) => f.includes('dashboard'))).toBe(true);
  await expect(page.getByRole('heading', { name: 'Live dashboard' })).toBeVisible();
  await expect(page.getByTestId('feed-status')).toContainText(/live/i, { timeout: 10_000 });
  expect(errors).toEqual([]);
});
