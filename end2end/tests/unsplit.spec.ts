// The bundle plain `cargo leptos build` / `cargo leptos watch` make (no
// --split): one wasm file, the lazy routes compiled as ordinary async code.
// scripts/test.sh builds it apart (target/unsplit) and runs this file against
// it with CACHESCOPE_BUNDLE=unsplit; against the split build it is skipped
// (home.spec.ts checks the chunks there).
import { test, expect } from './fixtures';

test.skip(process.env.CACHESCOPE_BUNDLE !== 'unsplit', 'runs against the unsplit build only');

test('the unsplit bundle serves and hydrates the lazy pages from one wasm file', async ({ page, gotoHydrated }) => {
  const wasm: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()!);
  });
  await gotoHydrated('/');

  // Client-side navigation into a lazy route: no chunk to fetch, and it works.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole('heading', { name: 'Live dashboard' })).toBeVisible();
  await expect(page.getByTestId('feed-status')).toContainText(/live/i, { timeout: 10_000 });
  await page.getByRole('link', { name: 'Products' }).click();
  await expect(page).toHaveURL(/\/products$/);
  await expect(page.getByTestId('product').first()).toBeVisible();

  // A lazy page loaded directly: rendered on the server, then hydrated.
  await gotoHydrated('/keys?match=db:product:prod1');
  await expect(page.getByTestId('key-link').filter({ hasText: /^db:product:prod1$/ })).toBeVisible();

  expect([...new Set(wasm)]).toEqual(['cachescope.wasm']);
});
