// PostgreSQL as the system of record, seen in the browser: a cluster and a
// Redis of the test's own, and a server with PRODUCT_STORE=postgres. The same
// id shows DATABASE (PostgreSQL), then CACHE.
import { test, expect } from './fixtures';
import type { ChildProcess } from 'node:child_process';
import { freePort, listening, startPostgres, startRedis, startServer, waitFor, type Postgres } from '../support/processes';

test('the search page names PostgreSQL on a database read, then answers from the cache', async ({ page, gotoHydrated }) => {
  test.setTimeout(60_000);
  const children: ChildProcess[] = [];
  let pg: Postgres | undefined;
  try {
    const [redisPort, pgPort, serverPort] = [await freePort(), await freePort(), await freePort()];
    children.push(startRedis(redisPort));
    pg = startPostgres(pgPort);
    await waitFor('redis-server', 10_000, () => listening(redisPort));
    children.push(startServer({
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_REPLICA_URLS: '',
      PRODUCT_STORE: 'postgres',
      DATABASE_URL: pg.url,
      LEPTOS_SITE_ADDR: `127.0.0.1:${serverPort}`,
    }));
    const base = `http://127.0.0.1:${serverPort}`;
    await waitFor('the PostgreSQL-backed server', 20_000, async () => {
      const health = await (await fetch(`${base}/api/health`)).json();
      return health.store?.kind === 'postgres' && health.store.up === true;
    });

    await gotoHydrated(`${base}/`);
    const badge = page.getByTestId('source-badge');
    await page.getByTestId('search-input').fill('prod1');
    await page.getByTestId('search-submit').click();
    await expect(badge).toHaveText('DATABASE');
    await expect(page.getByTestId('badge-store').first()).toHaveText('PostgreSQL');
    await expect(page.getByTestId('result-product')).toContainText('Smartphone Premium');
    await page.getByTestId('search-submit').click();
    await expect(badge).toHaveText('CACHE');

    // The product page says where it was read from.
    await page.goto(`${base}/products/prod1`);
    await expect(page.getByTestId('detail-source')).toHaveText('PostgreSQL');
  } finally {
    for (const child of children) child.kill('SIGKILL');
    pg?.stop();
  }
});
