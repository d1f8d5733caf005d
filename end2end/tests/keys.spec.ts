// The key browser: find db:product:prod1 without redis-cli, read its JSON,
// page through the keyspace with "Load more", and get there from a product.
import { test, expect } from './fixtures';

test('the key browser finds db:product:prod1 and shows its JSON', async ({ page, gotoHydrated }) => {
  await gotoHydrated('/keys');
  await expect(page.getByTestId('keys-total')).toContainText('keys in the database');
  await page.getByTestId('keys-pattern').fill('db:product:prod1');
  await page.getByTestId('keys-submit').click();
  await expect(page).toHaveURL(/match=db%3Aproduct%3Aprod1|match=db:product:prod1/);
  const link = page.getByTestId('key-link').filter({ hasText: /^db:product:prod1$/ });
  await expect(link).toBeVisible();
  await link.click();
  const text = page.getByTestId('key-text');
  await expect(text).toContainText('"name": "Smartphone Premium"');
  await expect(page.getByTestId('key-value')).toContainText('string');
});

test('load more follows the SCAN cursor', async ({ page, gotoHydrated }) => {
  await gotoHydrated('/keys?match=*');
  const rows = page.getByTestId('keys').locator('tbody tr');
  const more = page.getByTestId('keys-more');
  await expect(more).toBeVisible();
  const before = await rows.count();
  await more.click();
  await expect.poll(() => rows.count()).toBeGreaterThan(before);
});

test('a product page links to its key', async ({ page, gotoHydrated }) => {
  await gotoHydrated('/products/prod1');
  await page.getByTestId('detail-key').click();
  await expect(page.getByTestId('key-text')).toContainText('"id": "prod1"');
});

test('evicting a cache entry from the key browser forces the next lookup to the database', async ({ page, request, gotoHydrated, consoleAllowlist }) => {
  consoleAllowlist.push(/^Failed to load resource/);
  // Make the entry: a lookup that reads the database fills the cache.
  expect((await request.get('/api/products/prod2')).status()).toBe(200);
  await gotoHydrated('/keys?key=cache%3Aproduct%3Aprod2');
  await expect(page.getByTestId('key-text')).toContainText('"id": "prod2"');
  // A wrong token is refused, and the entry stays.
  await page.getByTestId('evict-token').fill('not-the-token');
  await page.getByTestId('evict-submit').click();
  await expect(page.getByTestId('evict-outcome')).toContainText('token');
  await page.getByTestId('evict-token').fill(process.env.CACHESCOPE_ADMIN_TOKEN!);
  await page.getByTestId('evict-submit').click();
  await expect(page.getByTestId('evict-outcome')).toContainText('Evicted');
  const after = await (await request.get('/api/products/prod2')).json();
  expect(after.source).toBe('database');
  // Keys outside the cache offer no eviction.
  await page.goto('/keys?key=db%3Aproduct%3Aprod2');
  await expect(page.getByTestId('key-text')).toContainText('"id": "prod2"');
  await expect(page.getByTestId('evict')).toHaveCount(0);
});
