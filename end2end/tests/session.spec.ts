// Roles in a real browser: on a server with VIEWER_TOKEN the key browser is
// closed to the public; signing in from the top bar opens it (a session kept
// in Redis, in an HttpOnly SameSite=Strict cookie), session keys stay hidden
// even then, and signing out closes it again.
import { test, expect } from './fixtures';
import type { ChildProcess } from 'node:child_process';
import { freePort, listening, redisCli, startRedis, startServer, waitFor } from '../support/processes';

test('sign in from the top bar, browse keys, sign out', async ({ page, context, gotoHydrated, consoleAllowlist }) => {
  consoleAllowlist.push(/^Failed to load resource/);
  test.setTimeout(60_000);
  const children: ChildProcess[] = [];
  try {
    const [redisPort, serverPort] = [await freePort(), await freePort()];
    children.push(startRedis(redisPort));
    await waitFor('redis-server', 10_000, () => listening(redisPort));
    const viewerToken = `viewer-${Math.random().toString(36).slice(2)}`;
    const adminToken = `admin-${Math.random().toString(36).slice(2)}`;
    children.push(startServer({
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_REPLICA_URLS: '',
      LEPTOS_SITE_ADDR: `127.0.0.1:${serverPort}`,
      VIEWER_TOKEN: viewerToken,
      ADMIN_TOKEN: adminToken,
      REDIS_TIMEOUT_MS: '2000',
    }));
    const base = `http://127.0.0.1:${serverPort}`;
    await waitFor('the server', 20_000, async () => (await fetch(`${base}/api/health`)).ok);
    redisCli(redisPort, 'SET', 'session:planted', 'SECRET-planted');

    // Closed to the public, with a sentence saying how to get in.
    await gotoHydrated(`${base}/keys?key=db%3Aproduct%3Aprod1`);
    await expect(page.getByTestId('keys-error')).toContainText('viewer');
    await expect(page.getByTestId('keys')).toHaveCount(0);
    await expect(page.getByTestId('key-text')).toHaveCount(0);

    // Sign in once, in the top bar.
    await page.getByTestId('sign-in-token').fill('not-the-token');
    await page.getByTestId('sign-in-submit').click();
    await expect(page.getByTestId('sign-in-error')).toContainText('wrong');
    await page.getByTestId('sign-in-token').fill(viewerToken);
    await page.getByTestId('sign-in-submit').click();
    await expect(page.getByTestId('session-role')).toHaveText('viewer');
    await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
    const cookie = (await context.cookies(base)).find((c) => c.name === 'cachescope_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');

    // The key browser works now, within the viewer prefixes.
    await expect(page.getByTestId('key-text')).toContainText('"name": "Smartphone Premium"');
    await expect(page.getByTestId('keys-total')).toContainText('keys in the database');
    await page.goto(`${base}/keys?match=session%3A*&key=session%3Aplanted`);
    await expect(page.getByTestId('key-error')).toContainText('nobody');
    await expect(page.getByTestId('key-link')).toHaveCount(0);
    expect(await page.content()).not.toContain('SECRET-planted');
    // Other instances of the session: the live feed speaks to a viewer.
    // Live before its sign-out button is used.
    await gotoHydrated(`${base}/dashboard`);
    await expect(page.getByTestId('session-role')).toHaveText('viewer');
    await expect(page.getByTestId('details-for-viewers')).toHaveCount(0);

    // Sign out: the key browser is closed again.
    await page.getByTestId('sign-out').click();
    await expect(page.getByTestId('sign-in-token')).toBeVisible();
    await page.goto(`${base}/keys`);
    await expect(page.getByTestId('keys')).toHaveCount(0);
    expect((await context.cookies(base)).find((c) => c.name === 'cachescope_session')).toBeUndefined();
    // The public dashboard shows aggregate figures and says the rest is for viewers.
    await page.goto(`${base}/dashboard`);
    await expect(page.getByTestId('details-for-viewers')).toBeVisible({ timeout: 10_000 });
    // An admin session evicts a cache entry with no token to type (its CSRF
    // token goes along).
    expect((await fetch(`${base}/api/products/prod2`)).status).toBe(200);
    await gotoHydrated(`${base}/keys?key=cache%3Aproduct%3Aprod2`);
    await page.getByTestId('sign-in-token').fill(adminToken);
    await page.getByTestId('sign-in-submit').click();
    await expect(page.getByTestId('session-role')).toHaveText('admin');
    // The reloaded page must be live before its form is used.
    await expect(page.locator('main[data-hydrated=true]')).toBeAttached({ timeout: 15_000 });
    await expect(page.getByTestId('key-text')).toContainText('"id": "prod2"');
    await expect(page.getByTestId('evict-token')).toHaveCount(0);
    await page.getByTestId('evict-submit').click();
    await expect(page.getByTestId('evict-outcome')).toContainText('Evicted');
    expect((await (await fetch(`${base}/api/products/prod2`)).json()).source).toBe('database');
    // The refusals themselves are answers the page shows, not errors.
    } finally {
    for (const child of children) child.kill('SIGKILL');
  }
});
