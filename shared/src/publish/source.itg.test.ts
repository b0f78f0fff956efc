import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { type HashAlgorithm, Hasher, type HashJob, type Priority } from '../core/hasher.ts';
import { listSource, readSource, type SourceOptions } from './source.ts';

/** A hasher that records every read asked of it, at which priority, and how often it was waited for. */
class RecordingHasher extends Hasher {
  readonly asked: { file: string; algorithms: readonly HashAlgorithm[]; priority: Priority; waited: number }[] = [];
  readonly root: string;
  constructor(root: string) {
    super({ threads: 2 });
    this.root = root;
  }
  override hash(file: string, algorithms: readonly HashAlgorithm[], options: { priority?: Priority } = {}): HashJob {
    const job = super.hash(file, algorithms, options);
    const entry = { file: path.relative(this.root, file), algorithms, priority: options.priority ?? 'now', waited: 0 };
    this.asked.push(entry);
    return {
      result: job.result,
      wait: () => {
        entry.waited++;
        return job.wait();
      },
    };
  }
}

let root: string;
const KUBECTL = 'bin/linux/amd64/kubectl';
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'source-'));
  await mkdir(path.join(root, 'bin/linux/amd64'), { recursive: true });
  await writeFile(path.join(root, KUBECTL), 'kubectl bytes');
  await writeFile(path.join(root, `${KUBECTL}.sha256`), sha256Hex('kubectl bytes'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const read = async (options: Partial<SourceOptions> = {}) =>
  readSource({ root, paths: await listSource(root), checksums: true, concurrency: 4, hasher: new Hasher(), ...options });
const md5sum = (file: string) => execFileSync('md5sum', [file], { encoding: 'utf8' }).split(' ')[0];
const sha512 = (text: string) => createHash('sha512').update(text).digest('hex');
const toUpload = { upload: () => true };

describe('the source tree', () => {
  it('makes each MD5 when asked, equal to md5sum, for files on disk and checksum files in memory', async () => {
    const tree = await read();
    const files = await tree.complete();
    const kubectl = files.find((f) => f.path === KUBECTL);
    const digest = files.find((f) => f.path === `${KUBECTL}.sha256`);
    expect(await kubectl?.md5()).toBe(md5sum(path.join(root, KUBECTL)));
    expect(kubectl?.sha512).toBe(sha512('kubectl bytes'));
    expect(await digest?.md5()).toBe(md5sum(path.join(root, `${KUBECTL}.sha256`)));
    expect(files.map((f) => f.path)).toContain('SHA512SUMS');
    expect(tree.paths).toEqual(files.map((f) => f.path));
  });

  it('hashes the largest files first, whatever their names (the workers then finish together)', async () => {
    await writeFile(path.join(root, 'kubernetes-server-linux-amd64.tar.gz'), Buffer.alloc(300_000, 1));
    await writeFile(path.join(root, 'kubernetes-node-linux-amd64.tar.gz'), Buffer.alloc(200_000, 2));
    const hasher = new RecordingHasher(root);
    await read({ concurrency: 1, hasher });
    expect(hasher.asked.map((a) => a.file)).toEqual([
      'kubernetes-server-linux-amd64.tar.gz',
      'kubernetes-node-linux-amd64.tar.gz',
      KUBECTL,
    ]);
  });

  it('checks SHA-256 claims before anything can be sent, and leaves the SHA-512 and MD5 of files to upload for later', async () => {
    await writeFile(path.join(root, `${KUBECTL}.sha256`), sha256Hex('other bytes'));
    await expect(read(toUpload)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });

    await writeFile(path.join(root, `${KUBECTL}.sha256`), sha256Hex('kubectl bytes'));
    const tree = await read(toUpload);
    const kubectl = tree.files.find((f) => f.path === KUBECTL);
    expect(kubectl?.sha256).toBe(sha256Hex('kubectl bytes'));
    // No SHA-512 claim: it may be sent while its SHA-512 is still to be made.
    await kubectl?.ready();
    expect(await kubectl?.checked()).toBe(sha512('kubectl bytes'));
    expect(await kubectl?.md5()).toBe(md5sum(path.join(root, KUBECTL)));
  });

  it('refuses a malformed .sha512, and a file whose only claim is a wrong SHA-512, before anything can be sent', async () => {
    await writeFile(path.join(root, `${KUBECTL}.sha512`), `${sha512('kubectl bytes')}  kubectl\n`);
    await expect(read(toUpload)).rejects.toMatchObject({ code: 'CHECKSUM_FORMAT' });

    await rm(path.join(root, `${KUBECTL}.sha256`));
    await writeFile(path.join(root, `${KUBECTL}.sha512`), sha512('other bytes'));
    await expect(read(toUpload)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('refuses a wrong SHA-512 claim before the SHA-512 checksum files or the whole release are handed out', async () => {
    await writeFile(path.join(root, `${KUBECTL}.sha512`), sha512('other bytes'));
    const tree = await read(toUpload);
    const file = (p: string) => tree.files.find((f) => f.path === p);
    // Its SHA-256 claim held: the file is the one the tree describes, and may be sent, as may its .sha256.
    await file(KUBECTL)?.ready();
    await file(`${KUBECTL}.sha256`)?.ready();
    await expect(file(KUBECTL)?.checked()).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await expect(file(`${KUBECTL}.sha512`)?.ready()).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await expect(tree.complete()).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('reads the SHA-512 of a file to upload at idle priority, and raises it when it is checked', async () => {
    const hasher = new RecordingHasher(root);
    const tree = await read({ ...toUpload, hasher });
    const kubectl = tree.files.find((f) => f.path === KUBECTL);
    // (With the SHA-256 again when the file changed too shortly before its first read to tell by its identity.)
    const later = () => hasher.asked.filter((a) => a.priority === 'idle').map((a) => [a.file, a.algorithms.at(-1), a.waited]);
    expect(hasher.asked[0]).toMatchObject({ file: KUBECTL, algorithms: ['sha256'], priority: 'now' });
    expect(later()).toEqual([[KUBECTL, 'sha512', 0]]);
    expect(await kubectl?.checked()).toBe(sha512('kubectl bytes'));
    expect(later()).toEqual([[KUBECTL, 'sha512', 1]]);
    // Made already: changing the file now does not make it read again.
    await writeFile(path.join(root, KUBECTL), 'kubectl BYTES');
    expect(await kubectl?.checked()).toBe(sha512('kubectl bytes'));
    // The MD5 an upload asks for is read when asked for, and sees the change.
    await expect(kubectl?.md5()).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('makes a SHA-512 checksum file sendable once the SHA-512s it names are checked, raising them', async () => {
    await writeFile(path.join(root, `${KUBECTL}.sha512`), sha512('kubectl bytes'));
    const hasher = new RecordingHasher(root);
    const tree = await read({ ...toUpload, hasher });
    const digest = tree.files.find((f) => f.path === `${KUBECTL}.sha512`);
    const later = () => hasher.asked.filter((a) => a.priority === 'idle').map((a) => [a.file, a.waited]);
    expect(later()).toEqual([[KUBECTL, 0]]);
    await digest?.ready();
    expect(later()).toEqual([[KUBECTL, 1]]);
    expect(await tree.files.find((f) => f.path === KUBECTL)?.checked()).toBe(sha512('kubectl bytes'));
  });

  it('refuses the later digests of a file changed since its first read, instead of sending the new bytes', async () => {
    const whole = await read();
    await writeFile(path.join(root, KUBECTL), 'kubectl BYTES');
    const kubectl = whole.files.find((f) => f.path === KUBECTL);
    // Its SHA-512 was made in the first read; the MD5 an upload asks for needs another, which sees the change.
    expect(await kubectl?.checked()).toBe(sha512('kubectl bytes'));
    await expect(kubectl?.md5()).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });
});
