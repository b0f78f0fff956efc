/**
 * Debian's docker-registry (distribution 2.8) on 127.0.0.1, one process per
 * "vendor". Plain HTTP: clients need --tls-verify=false (skopeo) or http URLs.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitForHttp } from './net.ts';

export interface Registry {
  /** host:port, as used in image references. */
  host: string;
  url: string;
  /** The registry's process (benchmarks read its CPU time). */
  pid: number;
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

/**
 * A token service as distribution's `auth: token` expects: an ES256 JWT (its certificate in `x5c`, self-signed and
 * the registry's root bundle) granting every scope asked for. `scopes` records what each request asked for.
 */
async function startTokenService(dir: string): Promise<{ realm: string; bundle: string; scopes: string[][]; server: Server }> {
  const keyFile = path.join(dir, 'token-key.pem');
  const bundle = path.join(dir, 'token-cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-keyout', keyFile, '-out', bundle, '-days', '1', '-subj', '/CN=token'],
    ],
    { stdio: 'ignore' },
  );
  const key = createPrivateKey(await readFile(keyFile));
  const certificate = (await readFile(bundle, 'utf8')).replace(/-----[^-]+-----|\s/g, '');
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const scopes: string[][] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const asked = url.searchParams.getAll('scope');
    scopes.push(asked);
    const access = asked.map((scope) => {
      const [type, name, actions] = scope.split(':');
      return { type, name, actions: (actions ?? '').split(',') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = part({ alg: 'ES256', typ: 'JWT', x5c: [certificate] });
    const claims = part({
      iss: 'test-issuer',
      sub: 'test',
      aud: url.searchParams.get('service'),
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    });
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }).toString(
      'base64url',
    );
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ token: `${header}.${claims}.${signature}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { realm: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, bundle, scopes, server };
}

export interface RegistryOptions {
  /** Every request needs this user name and password (htpasswd, Basic). */
  basicAuth?: { username: string; password: string };
  /** Every request needs a Bearer token from a token service started with the registry. */
  tokenAuth?: boolean;
  /** The folder the registry's storage goes below (default os.tmpdir()). */
  storage?: string;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry & { tokenScopes?: string[][] }> {
  const dir = await mkdtemp(path.join(options.storage ?? tmpdir(), 'registry-'));
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  const tokens = options.tokenAuth ? await startTokenService(dir) : undefined;
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
      ...(tokens
        ? [
            'auth:',
            '  token:',
            `    realm: ${tokens.realm}`,
            '    service: test-registry',
            '    issuer: test-issuer',
            `    rootcertbundle: ${tokens.bundle}`,
          ]
        : []),
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
    tokens?.server.close();
    throw error;
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    pid: child.pid as number,
    ...(tokens ? { tokenScopes: tokens.scopes } : {}),
    async stop() {
      child.kill('SIGTERM');
      tokens?.server.close();
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Several registries at once: one per vendor mirror. */
export async function startRegistries(count: number, options: RegistryOptions = {}): Promise<Registry[]> {
  return Promise.all(Array.from({ length: count }, () => startRegistry(options)));
}
