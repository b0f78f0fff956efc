/**
 * SIGINT and SIGTERM during a file:// write remove the temporary file and exit 130/143; what a SIGKILL leaves, the
 * next listing of the folder removes (its writer's pid runs no process).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { sleep } from '../core/retry.ts';
import { FileStorage } from './file-storage.ts';

let work: string;
let source: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'file-storage-signals-'));
  // Sparse: no disk to make, but a write that lasts (256 MiB to copy, then to hash).
  source = path.join(work, 'kubernetes.tar.gz');
  const handle = await open(source, 'w');
  await handle.truncate(256 * 1024 ** 2);
  await handle.close();
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function temporaries(dir: string): Promise<string[]> {
  return ((await readdir(dir, { recursive: true }).catch(() => [])) as string[]).filter((f) =>
    path.basename(f).startsWith('.tmp-'),
  );
}

describe('FileStorage under signals', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s while a file is written: the temporary file goes, exit %i', async (signal, code) => {
    const root = await mkdtemp(path.join(work, 'dest-'));
    const child = spawn(process.execPath, [path.join(import.meta.dirname, 'file-storage-child.fixture.ts'), root, source], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
    while ((await temporaries(root)).length === 0 && child.exitCode === null) await sleep(5);
    child.kill(signal);
    expect(await closed).toBe(code);
    expect(stderr).toContain(`Interrupted by ${signal}`);
    expect(await temporaries(root)).toEqual([]);
  });

  it('a listing removes the temporary files of writers that are gone, and keeps a live writer’s', async () => {
    const root = await mkdtemp(path.join(work, 'stale-'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const dir = path.join(root, 'release', 'v1.31.2', 'bin');
    const storage = new FileStorage(root);
    const data = Buffer.from('kubectl');
    await storage.put('release/v1.31.2/bin/kubectl', { data }, { sha256: sha256Hex(data), size: data.length });
    await writeFile(path.join(dir, `.tmp-${dead}-abc123-kubeadm`), 'left by a kill -9');
    await writeFile(path.join(dir, `.tmp-${process.pid}-def456-kubelet`), 'being written');
    const listed: string[] = [];
    for await (const info of storage.list('release/v1.31.2')) listed.push(info.key);
    expect(listed).toEqual(['release/v1.31.2/bin/kubectl']);
    expect((await temporaries(root)).map((f) => path.basename(f))).toEqual([`.tmp-${process.pid}-def456-kubelet`]);
  });
});
