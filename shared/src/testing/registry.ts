/**
 * Debian's docker-registry (distribution 2.8) on 127.0.0.1, one process per
 * "vendor". Plain HTTP: clients need --tls-verify=false (skopeo) or http URLs.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitForHttp } from './net.ts';

export interface Registry {
  /** host:port, as used in image references. */
  host: string;
  url: string;
  stop(): Promise<void>;
}

/** A bcrypt htpasswd line at the lowest cost (the registry checks it on every request), by python3's crypt; Go reads $2a$. */
function htpasswdLine(user: string, password: string): string {
  const hash = execFileSync('python3', [
    '-W',
    'ignore',
    '-c',
    'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))',
    password,
  ])
    .toString()
    .trim()
    .replace(/^\$2b\$/, '$2a$');
  return `${user}:${hash}\n`;
}

/** With `basicAuth`, the registry asks every request for that user name and password (htpasswd). */
export async function startRegistry(options: { basicAuth?: { username: string; password: string } } = {}): Promise<Registry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'registry-'));
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      ...(options.basicAuth ? ['auth:', '  htpasswd:', '    realm: test', `    path: ${path.join(dir, 'htpasswd')}`] : []),
      '',
    ].join('\n'),
  );
  if (options.basicAuth)
    await writeFile(path.join(dir, 'htpasswd'), htpasswdLine(options.basicAuth.username, options.basicAuth.password));
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/v2/`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Several registries at once: one per vendor mirror. */
export async function startRegistries(count: number): Promise<Registry[]> {
  return Promise.all(Array.from({ length: count }, () => startRegistry()));
}
