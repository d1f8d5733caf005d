import { test, expect } from './fixtures';

test('searching an id again and again: DATABASE, then CACHE, then NEAR, with a TTL counting down', async ({ page }) => {
  await page.goto('/');
  const input = page.getByTestId('search-input');
  const badge = page.getByTestId('source-badge');
  const ttl = page.getByTestId('ttl');
  const seconds = async () => Number((await ttl.textContent())!.replace(' s', ''));

  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
  await input.fill('prod33');
  await page.getByTestId('search-submit').click();
  await expect(badge).toHaveText('DATABASE');
  await expect(page.getByTestId('result-product')).toContainText('Designing Data-Intensive Applications');

  await page.getByTestId('search-submit').click();
  await expect(badge).toHaveText('CACHE');
  const first = await seconds();
  expect(first).toBeGreaterThan(50);
  await expect.poll(seconds, { timeout: 5_000 }).toBeLessThan(first);

  // Then the server's own near cache answers, with the same countdown (the
  // first Redis hit may be refused by the invalidation of the server's own
  // fill: ask until NEAR).
  await expect
    .poll(async () => {
      await page.getByTestId('search-submit').click();
      await expect(page.getByTestId('result-product')).toBeVisible();
      return badge.textContent();
    }, { timeout: 10_000 })
    .toBe('NEAR');
  expect(await seconds()).toBeLessThanOrEqual(first);
  expect(await seconds()).toBeGreaterThan(45);

  // Words go to the search, and the history lists both kinds, clickable.
  await input.fill('noise cancelling');
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('search-total')).toHaveText('1 matching product');
  await expect(badge).toHaveText('DATABASE');
  const history = page.getByTestId('history');
  await expect(history).toContainText('cancelling noise');
  await history.getByText('cancelling noise').first().click();
  await expect(badge).toHaveText('CACHE');

  // The hit ratio moved off zero.
  await expect(page.getByTestId('hit-ratio')).not.toHaveText('0%');
});

test('bad input and unknown ids are explained in the page', async ({ page, consoleAllowlist }) => {
  consoleAllowlist.push(/^Failed to load resource/);
  await page.goto('/');
  const input = page.getByTestId('search-input');
  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
  await input.fill('nosuch9');
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('searched-as-word')).toContainText('No product has the id nosuch9');
  await page.locator('input[aria-label="Minimum price"]').fill('50');
  await page.locator('input[aria-label="Maximum price"]').fill('10');
  await input.fill('phone');
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('search-error')).toContainText('above max_price');
  // The 404 and 400 answers are the API's contract; the browser logs each one.
  // Anything else (a panic, a script error) fails the test.
});

test('a search in the URL runs when the page opens', async ({ page }) => {
  await page.goto('/?q=espresso');
  await expect(page.getByTestId('result-product')).toContainText('Espresso Machine');
  await expect(page.getByTestId('search-input')).toHaveValue('espresso');
});

test('recent searches: mine by default, everyone on demand, mine kept across reloads', async ({ page, request, gotoHydrated }) => {
  await gotoHydrated('/');
  await page.getByTestId('search-input').fill('prod21');
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('result-product')).toBeVisible();
  // Someone else's traffic.
  for (let n = 41; n <= 45; n++) expect((await request.get(`/api/products/prod${n}`)).ok()).toBe(true);
  const history = page.getByTestId('history');
  await expect(page.getByTestId('history-mine')).toHaveAttribute('aria-pressed', 'true');
  await expect(history).toContainText('prod21');
  await expect(history).not.toContainText('prod41');
  await page.getByTestId('history-everyone').click();
  await expect(history).toContainText('prod41');
  await page.reload();
  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
  await expect(page.getByTestId('history')).toContainText('prod21');
});

test('the search box answers before the live panels have loaded their code, and the panels catch up', async ({ page }) => {
  // Hold the panels' wasm chunk back for 3 s.
  let panelsRequested = false;
  let releasePanels = () => {};
  const held = new Promise<void>((resolve) => (releasePanels = resolve));
  await page.route(/\/pkg\/split_live_panels_[^/]*\.wasm$/, async (route) => {
    panelsRequested = true;
    await held;
    await route.continue();
  });
  await page.goto('/');
  // The server's panels are on the page from the start.
  await expect(page.getByTestId('hit-ratio')).toHaveCount(1);
  await expect.poll(() => panelsRequested, { timeout: 15_000 }).toBe(true);
  // Not live yet: the panels' code has not arrived.
  await expect(page.locator('main[data-hydrated=true]')).toHaveCount(0);

  // The search box works anyway (an answer from the first-load module).
  await page.getByTestId('search-input').fill('prod44');
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('result-product')).toContainText('prod44');
  await expect(page.getByTestId('source-badge')).toHaveText(/DATABASE|CACHE|NEAR/);

  // The chunk arrives: the browser's panels replace the server's (one copy
  // of each), the page counts as hydrated, and the search made before is in
  // "mine".
  releasePanels();
  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
  await expect(page.getByTestId('hit-ratio')).toHaveCount(1);
  await expect(page.getByTestId('live-toggle')).toHaveCount(1);
  await expect(page.getByTestId('history')).toContainText('prod44');
});
