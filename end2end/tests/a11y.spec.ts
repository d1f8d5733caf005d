// Accessibility basics, checked by axe-core in the browser on every page:
// no serious or critical violation (contrast, names, roles, labels).
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

const PAGES = ['/', '/?q=prod1', '/dashboard', '/products', '/products/prod1', '/keys?match=db:*&key=db:product:prod1'];

/** Opens `path` once hydrated and returns axe's serious or critical violations. */
async function seriousViolations(page: Page, path: string): Promise<string[]> {
  await page.goto(path);
  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
  await page.waitForTimeout(500);
  const results = await new AxeBuilder({ page }).analyze();
  // axe really looked: rules ran and passed on this page.
  expect(results.passes.length).toBeGreaterThan(10);
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes[0]?.target.join(' ')} — ${v.help}`);
}

for (const path of PAGES) {
  test(`no serious accessibility violation on ${path}`, async ({ page }) => {
    expect(await seriousViolations(page, path)).toEqual([]);
  });
}

test('the search page works from the keyboard alone', async ({ page, gotoHydrated }) => {
  await gotoHydrated('/');
  const input = page.getByTestId('search-input');
  const focused = () => input.evaluate((el) => el === document.activeElement);
  // Tab from the top of the page (brand, navigation) to the search box.
  for (let i = 0; i < 12 && !(await focused()); i++) await page.keyboard.press('Tab');
  expect(await focused()).toBe(true);
  await page.keyboard.type('prod3');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('source-badge')).toHaveText('DATABASE');
  // Focus shows, and buttons answer Enter.
  const everyone = page.getByTestId('history-everyone');
  await everyone.focus();
  const ring = await everyone.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(ring).not.toBe('none');
  await page.keyboard.press('Enter');
  await expect(everyone).toHaveAttribute('aria-pressed', 'true');
});

test('no serious accessibility violation in French', async ({ page, baseURL }) => {
  await page.context().addCookies([{ name: 'lang', value: 'fr', url: baseURL! }]);
  for (const path of ['/?q=prod1', '/dashboard']) {
    expect(await seriousViolations(page, path), path).toEqual([]);
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  }
});
