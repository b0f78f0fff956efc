import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { listSource, readSource } from './source.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'source-'));
  await mkdir(path.join(root, 'bin/linux/amd64'), { recursive: true });
  await writeFile(path.join(root, 'bin/linux/amd64/kubectl'), 'kubectl bytes');
  await writeFile(path.join(root, 'bin/linux/amd64/kubectl.sha256'), sha256Hex('kubectl bytes'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const read = async () => readSource({ root, paths: await listSource(root), checksums: true, concurrency: 4 });
const md5sum = (file: string) => execFileSync('md5sum', [file], { encoding: 'utf8' }).split(' ')[0];

describe('the source tree', () => {
  it('makes each MD5 when asked, equal to md5sum, for files on disk and checksum files in memory', async () => {
    const files = await read();
    const kubectl = files.find((f) => f.path === 'bin/linux/amd64/kubectl');
    const digest = files.find((f) => f.path === 'bin/linux/amd64/kubectl.sha256');
    expect(await kubectl?.md5()).toBe(md5sum(path.join(root, 'bin/linux/amd64/kubectl')));
    expect(await digest?.md5()).toBe(md5sum(path.join(root, 'bin/linux/amd64/kubectl.sha256')));
    expect(files.map((f) => f.path)).toContain('SHA512SUMS');
  });

  it('makes the MD5 in the first read of the files the caller expects to upload', async () => {
    const expected = md5sum(path.join(root, 'bin/linux/amd64/kubectl'));
    const files = await readSource({ root, paths: await listSource(root), checksums: false, concurrency: 4, md5: () => true });
    // Made already: changing the file now does not make it read again (the upload's own checks see the change).
    await writeFile(path.join(root, 'bin/linux/amd64/kubectl'), 'kubectl BYTES');
    expect(await files.find((f) => f.path === 'bin/linux/amd64/kubectl')?.md5()).toBe(expected);
  });

  it('refuses the MD5 of a file changed since it was hashed, instead of sending the new bytes', async () => {
    const files = await read();
    await writeFile(path.join(root, 'bin/linux/amd64/kubectl'), 'kubectl BYTES');
    const kubectl = files.find((f) => f.path === 'bin/linux/amd64/kubectl');
    await expect(kubectl?.md5()).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });
});
