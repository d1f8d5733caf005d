// Child processes for the browser tests: redis-server nodes and the cachescope
// server, each on a free port, all killed at teardown.
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..');

/** A TCP port that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 100 ms until it returns true or `ms` runs out. */
export async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not ready yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts redis-server on `port` (a replica when `replicaOf` is given). */
export function startRedis(port: number, replicaOf?: number, extra: string[] = []): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'cachescope-e2e-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--repl-diskless-sync-delay', '0', ...extra,
  ];
  if (replicaOf) args.push('--replicaof', '127.0.0.1', String(replicaOf));
  return spawn('redis-server', args, { stdio: 'ignore' });
}

/** The lines of scripts/lib/ha.conf for `kind` (`data` or `sentinel`): the HA
 * settings shared with redis-up.sh, the Rust tests and the fault suite. */
export function haLines(kind: 'data' | 'sentinel'): string[] {
  const text = readFileSync(join(repoRoot, 'scripts', 'lib', 'ha.conf'), 'utf8');
  return text.split('\n')
    .filter((line) => line.startsWith(`${kind} `))
    .map((line) => line.slice(kind.length + 1).replaceAll('MASTER', 'cachescope'));
}

/** Starts a Sentinel on `port` watching master name `cachescope` at
 * `masterPort`, configured as `scripts/redis-up.sh --ha` does it. */
export function startSentinel(port: number, masterPort: number): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'cachescope-e2e-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, [
    `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
    `sentinel monitor cachescope 127.0.0.1 ${masterPort} 2`,
    ...haLines('sentinel'), '',
  ].join('\n'));
  return spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
}

/** `redis-cli -p <port> <args...>`: its output, or '' when it fails. */
export function redisCli(port: number, ...args: string[]): string {
  const out = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5_000 });
  return out.status === 0 ? out.stdout : '';
}

/** Starts the cachescope binary from the repository root (for target/site). */
export function startServer(env: Record<string, string>): ChildProcess {
  const bin = process.env.CACHESCOPE_BIN ?? join(repoRoot, 'target', 'debug', 'cachescope');
  const child = spawn(bin, [], {
    cwd: repoRoot,
    env: { ...process.env, RUST_LOG: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

/** Resolves true when something accepts TCP connections on `port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** A PostgreSQL cluster of the test's own (initdb in a temp dir, pg_ctl). */
export interface Postgres {
  url: string;
  stop: () => void;
}

/** The newest installed PostgreSQL's bin directory. */
function pgBin(): string {
  const out = spawnSync('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1'], { encoding: 'utf8' });
  return out.stdout.trim();
}

/** Runs a PostgreSQL tool as the `postgres` user when we are root (it refuses root). */
function asPostgres(args: string[]): string[] {
  return process.getuid && process.getuid() === 0 ? ['runuser', '-u', 'postgres', '--', ...args] : args;
}

/** Starts a cluster on `port` with a database `cachescope` (trust auth, 127.0.0.1). */
export function startPostgres(port: number): Postgres {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'cachescope-e2e-pg-'));
  if (process.getuid && process.getuid() === 0) spawnSync('chown', ['postgres:postgres', dir]);
  const data = join(dir, 'data');
  const run = (args: string[]) => {
    const [cmd, ...rest] = asPostgres(args);
    const out = spawnSync(cmd, rest, { encoding: 'utf8', timeout: 60_000 });
    if (out.status !== 0) throw new Error(`${args[0]} failed: ${out.stderr}`);
  };
  run([`${bin}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres', '--encoding=UTF8', '--locale=C.UTF-8']);
  run([`${bin}/pg_ctl`, '-D', data, '-w', '-l', join(dir, 'log'),
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  run([`${bin}/createdb`, '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'cachescope']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/cachescope`,
    stop: () => {
      const [cmd, ...rest] = asPostgres([`${bin}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop']);
      spawnSync(cmd, rest, { stdio: 'ignore', timeout: 30_000 });
    },
  };
}
