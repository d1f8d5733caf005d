// French and English: the server renders the language the browser asks for
// (or the one chosen with the switch, kept in a cookie), the page hydrates in
// it, and numbers are written for it.
import { test, expect } from './fixtures';

test('a French browser gets French on first load, hydrated in French', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, locale: 'fr-FR' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(err.message));

  // The HTML itself is French (no flash of English before the wasm runs).
  const html = await (await page.request.get('/', { headers: { 'accept-language': 'fr-FR,fr;q=0.9' } })).text();
  expect(html).toContain('<html lang="fr"');
  expect(html).toContain('Recherches récentes');
  expect(html).not.toContain('Recent searches');

  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
  await expect(page.getByRole('link', { name: 'Tableau de bord' })).toBeVisible();
  await expect(page.getByTestId('lang-fr')).toHaveAttribute('aria-current', 'true');

  // The hydrated app answers in French: badge word, price and duration formats.
  await page.getByTestId('search-input').fill('prod3');
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('source-badge')).toHaveText(/^(BASE|CACHE|PROCHE)$/);
  await expect(page.getByTestId('elapsed')).toHaveText(/^\d+([,]\d+)?\u00a0(µs|ms|s)$/);
  await expect(page.getByTestId('answer-key')).toContainText('entrée du cache');
  await expect(page.locator('.result-card .price')).toHaveText(/^[\d\u202f]+,\d{2}\u00a0\$$/);

  // A refused search is explained in French too (the rule is the server's).
  await page.getByTestId('search-input').fill('un deux trois quatre cinq six sept huit neuf');
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('search-error')).toHaveText('une recherche combine au plus 8 mots');
  expect(errors).toEqual([]);
  await context.close();
});

test('the language switch re-renders the page in French and keeps the choice', async ({ page }) => {
  await page.goto('/products?order=price_desc');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
  await expect(page.getByRole('heading', { name: 'Products' })).toBeVisible();

  await page.getByTestId('lang-fr').click();
  // Same page, same filters, now in French, with French prices.
  await expect(page).toHaveURL(/\/products\?order=price_desc$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.getByRole('heading', { name: 'Produits' })).toBeVisible();
  await expect(page.getByTestId('sort-desc')).toHaveText('Prix ↓');
  await expect(page.getByTestId('count')).toContainText(' sur ');
  const prices = await page.getByTestId('price').allTextContents();
  expect(prices.length).toBeGreaterThan(0);
  for (const price of prices) expect(price).toMatch(/^[\d\u202f]+,\d{2}\u00a0\$$/);
  await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });

  // The cookie keeps it on the next page, including client-side navigation.
  await page.getByRole('link', { name: 'Tableau de bord' }).click();
  await expect(page.getByRole('heading', { name: 'Tableau de bord en direct' })).toBeVisible();
  await expect(page.getByTestId('feed-status')).toHaveText('En direct');
  await page.goto('/keys');
  await expect(page.getByRole('heading', { name: 'Clés' })).toBeVisible();

  // And back to English.
  await page.getByTestId('lang-en').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { name: 'Keys' })).toBeVisible();
});
