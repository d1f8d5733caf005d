// The key browser: find db:product:prod1 without redis-cli, read its JSON,
// page through the keyspace with "Load more", and get there from a product.
import { test, expect } from './fixtures';

test('the key browser finds db:product:prod1 and shows its JSON', async ({ page, consoleErrors }) => {
  await page.goto('/keys');
  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
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
  expect(consoleErrors).toEqual([]);
});

test('load more follows the SCAN cursor', async ({ page }) => {
  await page.goto('/keys?match=*');
  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
  const rows = page.getByTestId('keys').locator('tbody tr');
  const more = page.getByTestId('keys-more');
  await expect(more).toBeVisible();
  const before = await rows.count();
  await more.click();
  await expect.poll(() => rows.count()).toBeGreaterThan(before);
});

test('a product page links to its key', async ({ page }) => {
  await page.goto('/products/prod1');
  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
  await page.getByTestId('detail-key').click();
  await expect(page.getByTestId('key-text')).toContainText('"id": "prod1"');
});
