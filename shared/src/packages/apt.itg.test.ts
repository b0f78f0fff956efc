/** apt-get reads the repository as Debian's archive serves it: by hash, the strongest hash Release lists. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { buildPackages } from './build.ts';
import { aptRoot, run, testKey } from './tools.fixture.ts';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'packages-apt-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('Acquire-By-Hash', () => {
  it.each(['flat', 'dists'] as const)(
    '%s: apt-get update fetches every index by its SHA512, none missing',
    async (layout) => {
      const key = await testKey();
      await mkdir(path.join(work, 'src'), { recursive: true });
      await writeFile(path.join(work, 'src/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
      await writeFile(
        path.join(work, 'nfpm.yaml'),
        'name: tool\ndescription: A tool\ncontents:\n  - { src: tool, dst: /usr/bin/tool }\n',
      );
      const out = path.join(work, layout);
      await buildPackages(
        {
          config: path.join(work, 'nfpm.yaml'),
          configName: 'nfpm.yaml',
          formats: ['deb'],
          repository: true,
          privateKey: key.privateKey,
          passphrase: key.passphrase,
          outputDir: out,
          repositoryDir: path.join(out, 'repository'),
          dryRun: false,
          version: '1.0.0',
          sourceDir: path.join(work, 'src'),
          layout,
          sourceDate: new Date(1_700_000_000_000),
          env: {},
        },
        new RecordingLogger(),
      );
      const keyFile = path.join(out, 'signing-key.asc');
      const keyring = path.join(out, 'key.gpg');
      await run('sh', ['-c', `gpg --dearmor < ${keyFile} > ${keyring}`]);
      const repo =
        layout === 'flat'
          ? `${path.join(out, 'repository/stable/v1.0/deb')}/ /`
          : `${path.join(out, 'repository/deb')} stable v1.0`;
      const { root, apt } = await aptRoot(`deb [signed-by=${keyring}] file:${repo}`);
      const update = await apt('apt-get', ['-o', 'Debug::pkgAcquire::Worker=1', 'update']);
      expect(update.code, update.out).toBe(0);
      expect(update.out).toMatch(/by-hash\/SHA512\/[0-9a-f]{128}/);
      expect(update.out.split('\n').filter((line) => /File not found|^Ign:|^(W|E):/.test(line))).toEqual([]);
      expect((await apt('apt-cache', ['policy', 'tool'])).out).toContain('1.0.0');
      await rm(root, { recursive: true, force: true });
    },
    120_000,
  );
});
