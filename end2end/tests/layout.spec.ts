// Every page at a phone's width and a laptop's: nothing wider than the
// screen (no horizontal scrolling), and no text smaller than 11 px (SVG text
// measured as drawn, after its viewBox scales it). French, whose words are
// longer, is checked at the phone's width too.
import { test, expect } from './fixtures';

const PAGES = ['/', '/dashboard', '/products', '/products/prod1', '/keys?match=db:*&key=db:product:prod1'];

const CASES: [number, 'en' | 'fr'][] = [[390, 'en'], [1440, 'en'], [390, 'fr']];

for (const [width, lang] of CASES) {
  test(`no overflow and no tiny text at ${width} px in ${lang}`, async ({ page, request, baseURL, consoleErrors }) => {
    await page.context().addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
    // Something to show: a search answer, history, chart bars.
    await request.get('/api/products/prod1');
    await request.get('/api/search?q=smartphone');
    await page.setViewportSize({ width, height: 844 });
    for (const path of PAGES) {
      await page.goto(path);
      await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
      if (path === '/') {
        await page.getByTestId('search-input').fill('prod2');
        await page.getByTestId('search-submit').click();
        await expect(page.getByTestId('source-badge')).toBeVisible();
      }
      if (path === '/dashboard') await expect(page.getByTestId('feed-status')).toHaveText(lang === 'fr' ? 'En direct' : 'Live');
      const layout = await page.evaluate(() => {
        const doc = document.documentElement;
        const small: string[] = [];
        for (const el of document.querySelectorAll('body *')) {
          const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
          const box = el.getBoundingClientRect();
          if (!own || box.width === 0 || box.height === 0) continue;
          let size = parseFloat(getComputedStyle(el).fontSize);
          if (el instanceof SVGGraphicsElement) size *= el.getScreenCTM()?.a ?? 1;
          if (size < 11) small.push(`${el.tagName.toLowerCase()} "${el.textContent!.trim().slice(0, 24)}" ${size.toFixed(1)} px`);
        }
        return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, small };
      });
      expect(layout.scrollWidth, `${path} is wider than the screen`).toBeLessThanOrEqual(layout.clientWidth);
      expect(layout.small, `${path} has text under 11 px`).toEqual([]);
    }
    expect(consoleErrors).toEqual([]);
  });
}

test('a search answer shows stock and features', async ({ page }) => {
  await page.goto('/?q=prod1');
  const product = page.getByTestId('result-product');
  await expect(product).toContainText('Smartphone Premium');
  await expect(product.getByTestId('result-stock')).toHaveText('In stock');
  await expect(product.getByTestId('result-features')).toHaveText('5G · HDR Display · Water Resistant');
});
