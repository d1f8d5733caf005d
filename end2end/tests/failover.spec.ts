// A failover watched on the dashboard: a Sentinel topology of its own (master,
// two replicas, three Sentinels) and a server following it; the master is
// SIGKILLed and the page tells the story live.
import { test, expect } from './fixtures';
import type { ChildProcess } from 'node:child_process';
import { freePort, haLines, listening, redisCli, startRedis, startSentinel, startServer, waitFor } from '../support/processes';

// The data nodes' HA settings (scripts/lib/ha.conf), as `--name value` arguments.
const HA_ARGS = haLines('data').flatMap((line) => {
  const [name, ...value] = line.split(' ');
  return [`--${name}`, value.join(' ')];
});

test('a failover appears on the dashboard, clears, and the new master is shown', async ({ page }) => {
  test.setTimeout(90_000);
  const children: ChildProcess[] = [];
  try {
    const [m, r1, r2] = [await freePort(), await freePort(), await freePort()];
    const sentinelPorts = [await freePort(), await freePort(), await freePort()];
    const master = startRedis(m, undefined, HA_ARGS);
    children.push(master, startRedis(r1, m, HA_ARGS), startRedis(r2, m, HA_ARGS));
    await waitFor('data nodes', 10_000, async () => (await listening(m)) && (await listening(r1)) && (await listening(r2)));
    await waitFor('replication links', 10_000, async () =>
      [r1, r2].every((p) => redisCli(p, 'info', 'replication').includes('master_link_status:up')));
    for (const p of sentinelPorts) children.push(startSentinel(p, m));
    await waitFor('Sentinels that know each other and both replicas', 30_000, async () =>
      sentinelPorts.every((p) => {
        const lines = redisCli(p, 'sentinel', 'master', 'cachescope').split('\n');
        const field = (k: string) => lines[lines.indexOf(k) + 1];
        return field('num-slaves') === '2' && field('num-other-sentinels') === '2';
      }));
    const serverPort = await freePort();
    children.push(startServer({
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_SENTINELS: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      REDIS_MASTER_NAME: 'cachescope',
      METRICS_TICK_MS: '200',
      LEPTOS_SITE_ADDR: `127.0.0.1:${serverPort}`,
    }));
    const base = `http://127.0.0.1:${serverPort}`;
    await waitFor('the Sentinel-following server', 20_000, async () => (await fetch(`${base}/api/health`)).ok);

    await page.goto(`${base}/dashboard`);
    await expect(page.getByTestId('feed-status')).toHaveText('Live');
    const panel = page.getByTestId('sentinel-panel');
    await expect(panel.locator('[data-testid=sentinel][data-up=true]')).toHaveCount(3);
    await expect(panel.getByTestId('quorum')).toContainText('quorum reachable');
    await expect(panel.getByTestId('sentinel-master').first()).toHaveText(`127.0.0.1:${m}`);
    await expect(panel.getByTestId('no-failovers')).toBeVisible();
    const masterCard = page.getByTestId('repl-node').first();
    await expect(masterCard).toHaveAttribute('data-addr', `127.0.0.1:${m}`);

    master.kill('SIGKILL');
    // The story, live: trouble, then the switch, then the new master.
    await expect(page.getByTestId('failover-banner')).toBeVisible({ timeout: 10_000 });
    const done = page.getByTestId('failover-done');
    // Under load the Sentinels may fail over twice (a second leader promotes
    // the other replica before the first switch reaches it): the page then
    // tells the last switch, and the history has both.
    await expect(done).toContainText(
      new RegExp(`replaced 127\\.0\\.0\\.1:(${m}|${r1}|${r2}) as master`), { timeout: 15_000 });
    await expect(page.getByTestId('failover-banner')).toHaveCount(0);
    await expect(masterCard).not.toHaveAttribute('data-addr', `127.0.0.1:${m}`);
    await expect(masterCard.locator('.role')).toHaveText('master');
    const newMaster = await masterCard.getAttribute('data-addr');
    expect([`127.0.0.1:${r1}`, `127.0.0.1:${r2}`]).toContain(newMaster);
    const rows = page.getByTestId('failovers').locator('tbody tr');
    await expect(rows.last()).toContainText(`127.0.0.1:${m}`);
    expect(await rows.count()).toBeLessThanOrEqual(2);
    await expect(page.getByTestId('failovers')).toContainText(newMaster!);
    await expect(panel.getByTestId('sentinel-master').first()).toHaveText(newMaster!);
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
});
