/**
 * A full disk and a read-only file system under a file:// destination, through the bundles: an input error naming
 * the input, the path and the reason — not an "Unexpected error" with a bare errno, nor ENOENT for EROFS. These
 * need small tmpfs mounts (root, as in CI's container); elsewhere they are skipped.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBundleScanned } from '../testing/secrets.ts';

const mounts: string[] = [];
const scratch = mkdtempSync(path.join(tmpdir(), 'fs-errors-'));

function tryMount(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    mounts.push(dir);
    return true;
  } catch {
    return false;
  }
}

mkdirSync(path.join(scratch, 'probe'));
const canMount = process.getuid?.() === 0 && tryMount(path.join(scratch, 'probe'), 'size=64k');
afterAll(async () => {
  for (const dir of mounts.reverse()) execFileSync('umount', [dir], { stdio: 'ignore' });
  await rm(scratch, { recursive: true, force: true });
});

/** A workspace with a 1 MiB release file, and a tmpfs mounted with `options` as the destination. */
async function setup(options: string, readOnly = false): Promise<{ workspace: string; dest: string }> {
  const root = await mkdtemp(path.join(scratch, 'case-'));
  const workspace = path.join(root, 'ws');
  const dest = path.join(root, 'dest');
  await mkdir(path.join(workspace, 'src'), { recursive: true });
  await writeFile(path.join(workspace, 'src', 'kubernetes.tar.gz'), Buffer.alloc(1024 * 1024, 7));
  await mkdir(dest);
  expect(tryMount(dest, options)).toBe(true);
  await mkdir(path.join(dest, 'release', 'v1.31.2'), { recursive: true });
  await writeFile(path.join(dest, 'release', 'v1.31.2', 'index.json'), '{}');
  if (readOnly) execFileSync('mount', ['-o', 'remount,ro', dest]);
  return { workspace, dest };
}

const CASES = [
  ['a read-only destination', 'publish-binaries', 'size=4m', true, 'destinations', 'EROFS'],
  ['a read-only destination', 'update-markers', 'size=4m', true, 'destination', 'EROFS'],
  ['a full destination', 'publish-binaries', 'size=256k', false, 'destinations', 'ENOSPC'],
] as const;

describe.skipIf(!canMount)('file-system failures under a file:// destination', () => {
  it.each(CASES)('%s, through %s', async (_what, action, mount, readOnly, input, code) => {
    const { workspace, dest } = await setup(mount, readOnly);
    const inputs: Record<string, string> =
      action === 'publish-binaries'
        ? { 'source-dir': 'src', version: 'v1.31.3', destinations: `file://${dest}` }
        : { version: 'v1.31.2', destination: `file://${dest}` };
    const result = await runBundleScanned(action, { workspace, inputs });
    expect(result.exitCode).toBe(1);
    const error = result.annotations.find((a) => a.level === 'error');
    expect(error?.properties.title).toBe(`Invalid input: ${input}`);
    expect(error?.message).toContain(code);
    expect(error?.message).toContain(dest);
    // No partial file left behind.
    expect(execFileSync('find', [dest, '-name', '.tmp-*'], { encoding: 'utf8' })).toBe('');
  });
});
