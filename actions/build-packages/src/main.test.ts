/** The bundle run as the runner runs it: outputs, summary, the key masked, and one ::error for a bad config. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testKey } from '../../../shared/src/packages/tools.fixture.ts';
import { runBundle } from '../../../shared/src/runner/run-bundle.ts';

let key: Awaited<ReturnType<typeof testKey>>;
beforeAll(async () => {
  key = await testKey();
}, 60_000);

async function workspace(config: string): Promise<string> {
  const dir = await tempDir('build-packages-ws');
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  await writeFile(path.join(dir, 'bin/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  await writeFile(path.join(dir, 'nfpm.yaml'), config);
  return dir;
}

const CONFIG =
  'name: tool\ndescription: |-\n  A tool\n  It does things.\nversion: 1.0.0\narch: amd64\ncontents:\n  - src: bin/tool\n    dst: /usr/bin/tool\n';

describe('build-packages', () => {
  it('builds, sets its outputs and writes a summary table', async () => {
    const ws = await workspace(CONFIG);
    const result = await runBundle('build-packages', {
      workspace: ws,
      inputs: {
        config: 'nfpm.yaml',
        'gpg-private-key': key.privateKey,
        'gpg-passphrase': key.passphrase,
        version: 'v1.31.0',
        'source-date-epoch': '1700000000',
      },
    });
    expect(result.exitCode, result.stdout).toBe(0);
    const packages = JSON.parse(result.outputs.packages as string);
    expect(packages.map((p: { path: string }) => path.basename(p.path)).sort()).toEqual([
      'tool-1.31.0-1.x86_64.rpm',
      'tool_1.31.0_amd64.deb',
    ]);
    expect(result.outputs['public-key']).toBe(path.join(ws, 'packages/signing-key.asc'));
    expect(result.outputs['repository-dir']).toBe(path.join(ws, 'packages/repository'));
    expect(await readdir(path.join(ws, 'packages/repository/stable/v1.31/deb'))).toContain('InRelease');
    expect(result.summary).toContain('| tool | deb | 1.31.0 | amd64 |');
    const logged = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(logged.join('\n')).not.toContain(key.passphrase);
  }, 120_000);

  it('reports a bad config as one ::error naming the entry and its line, and writes nothing', async () => {
    const ws = await workspace(CONFIG.replace('dst: /usr/bin/tool', 'dst: usr/bin/tool'));
    const result = await runBundle('build-packages', { workspace: ws, inputs: { config: 'nfpm.yaml' } });
    expect(result.exitCode).toBe(1);
    const errors = result.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('nfpm.yaml:9: contents[0].dst');
    expect(await readdir(ws)).not.toContain('packages');
  }, 60_000);
});
