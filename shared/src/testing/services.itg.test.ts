import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpgHome } from './gpg.ts';
import { OciLayout } from './oci-layout.ts';
import { type Registry, startRegistries } from './registry.ts';

const run = promisify(execFile);
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'services-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('docker-registry instances (vendors)', () => {
  let registries: Registry[] = [];
  beforeAll(async () => {
    registries = await startRegistries(2);
  });
  afterAll(() => Promise.all(registries.map((r) => r.stop())));

  it('accepts a multi-platform image from skopeo, and serves it by digest', async () => {
    const layout = new OciLayout(path.join(scratch, 'layout'));
    const images = [
      await layout.image('amd64', { os: 'linux', architecture: 'amd64' }),
      await layout.image('arm64', { os: 'linux', architecture: 'arm64' }),
    ];
    await layout.write('v1', images);
    const [a, b] = registries as [Registry, Registry];
    expect(a.host).not.toBe(b.host);
    await run('skopeo', [
      'copy',
      '--all',
      '--dest-tls-verify=false',
      `oci:${layout.dir}:v1`,
      `docker://${a.host}/staging/pause:v1`,
    ]);
    const raw = (await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${a.host}/staging/pause:v1`])).stdout;
    expect(JSON.parse(raw).manifests).toHaveLength(2);
    const catalog = (await (await fetch(`${a.url}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).toEqual(['staging/pause']);
    const other = (await (await fetch(`${b.url}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(other.repositories).toEqual([]);
  });
});

describe('throwaway gpg home', () => {
  it('creates a key that signs and verifies, then cleans up', async () => {
    const gpg = await createGpgHome();
    try {
      expect(gpg.fingerprint).toMatch(/^[0-9A-F]{40}$/);
      expect(gpg.publicKey).toContain('BEGIN PGP PUBLIC KEY BLOCK');
      const file = path.join(scratch, 'Release');
      await writeFile(file, 'Origin: test\n');
      await gpg.gpg(['--local-user', gpg.fingerprint, '--armor', '--detach-sign', '--output', `${file}.gpg`, file]);
      await gpg.gpg(['--verify', `${file}.gpg`, file]);
    } finally {
      await gpg.stop();
    }
  });
});
