// Starts a Redis master, a replica and the cachescope server for the whole run,
// publishes their addresses in process.env (workers inherit it), and returns
// the teardown that stops them.
import type { FullConfig } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { freePort, listening, startRedis, startServer, waitFor } from './processes';

export default async function globalSetup(_config: FullConfig) {
  const masterPort = await freePort();
  const replicaPort = await freePort();
  const serverPort = await freePort();
  const master = startRedis(masterPort);
  const replica = startRedis(replicaPort, masterPort);
  await waitFor('redis-server nodes', 10_000, async () => (await listening(masterPort)) && (await listening(replicaPort)));
  // The admin token of the test server (the key browser's eviction test).
  const adminToken = `e2e-${Math.random().toString(36).slice(2)}`;
  process.env.CACHESCOPE_ADMIN_TOKEN = adminToken;
  const server = startServer({
    REDIS_URL: `redis://127.0.0.1:${masterPort}`,
    REDIS_REPLICA_URLS: `redis://127.0.0.1:${replicaPort}`,
    LEPTOS_SITE_ADDR: `127.0.0.1:${serverPort}`,
    ADMIN_TOKEN: adminToken,
    // The browser tests share two cores with Chromium, PostgreSQL and other
    // servers; a load spike once held a Redis answer past the 500 ms default
    // (a page then shows the outage). Timeouts are the Rust drills' subject,
    // not these tests'.
    REDIS_TIMEOUT_MS: '2000',
  });
  const base = `http://127.0.0.1:${serverPort}`;
  process.env.CACHESCOPE_URL = base;
  process.env.CACHESCOPE_MASTER = `127.0.0.1:${masterPort}`;
  process.env.CACHESCOPE_REPLICA = `127.0.0.1:${replicaPort}`;
  process.env.CACHESCOPE_MASTER_PORT = String(masterPort);
  process.env.CACHESCOPE_REPLICA_PORT = String(replicaPort);
  process.env.CACHESCOPE_REPLICA_PID = String(replica.pid);

  await waitFor('cachescope with both Redis nodes up', 20_000, async () => {
    const res = await fetch(`${base}/api/health`);
    const body = await res.json();
    return res.ok && body.status === 'ok';
  });

  return async () => {
    for (const child of [server, replica, master]) child.kill('SIGTERM');
    // A node a test restarted is not our child: stop whatever serves its port.
    for (const port of [replicaPort, masterPort]) {
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { stdio: 'ignore', timeout: 5_000 });
    }
  };
}
