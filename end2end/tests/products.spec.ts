import { test, expect } from './fixtures';

const prices = async (page) =>
  (await page.getByTestId('price').allTextContents()).map((t: string) => Number(t.replace(/[$,]/g, '')));

test('browse a category and sort it by price', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Products' }).click();
  await expect(page).toHaveURL(/\/products$/);
  await expect(page.getByTestId('product').first()).toBeVisible();

  // Pick a category: only its products remain, cheapest first.
  const books = page.locator('[data-testid=category][data-name=books]');
  const expected = Number((await books.locator('.count').textContent())!.replace(/,/g, ''));
  await books.click();
  await expect(page).toHaveURL(/category=books/);
  await expect(books).toHaveAttribute('aria-current', 'true');
  await expect(page.getByTestId('product')).toHaveCount(expected);
  await expect(page.locator('[data-testid=product] .chip')).toHaveText(Array(expected).fill('books'));
  const ascending = await prices(page);
  expect(ascending).toEqual([...ascending].sort((a, b) => a - b));

  // Sort by price, dearest first: same products, reversed order.
  await page.getByTestId('sort-desc').click();
  await expect(page).toHaveURL(/order=price_desc/);
  await expect(page.getByTestId('sort-desc')).toHaveClass(/active/);
  await expect.poll(() => prices(page)).toEqual([...ascending].sort((a, b) => b - a));

  // A product opens its detail page, read from the database.
  await page.getByTestId('product').first().click();
  await expect(page).toHaveURL(/\/products\/prod\d+/);
  await expect(page.getByTestId('detail-source')).toHaveText('Redis');
});

test('the first catalog product and an unknown product', async ({ page }) => {
  await page.goto('/products/prod1');
  await expect(page.getByTestId('detail-name')).toHaveText('Smartphone Premium');
  await expect(page.getByText('$899.99')).toBeVisible();
  await page.goto('/products/no-such-product');
  await expect(page.getByTestId('detail-error')).toHaveText('product "no-such-product" not found');
  // The 404 of the API call made during server rendering is not a browser error.
});
