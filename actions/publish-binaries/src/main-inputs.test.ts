/** Bad inputs through the bundle: exit 1, one ::error naming the input or cause, nothing uploaded, no secret in the log. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeReleaseTree } from '../../../shared/src/publish/release-tree.fixture.ts';
import { runBundleScanned } from '../../../shared/src/testing/secrets.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TOKEN = 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB';
/** A folder beside the workspace (which is `work`): a tree the action must not publish. */
const OUTSIDE = path.join(tmpdir(), `publish-binaries-outside-${process.pid}`);
let work: string;
let source: string;
let folder: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-binaries-inputs-'));
  source = path.join(work, 'release');
  folder = path.join(work, 'folder');
  await makeReleaseTree(source);
  await mkdir(OUTSIDE, { recursive: true });
  await writeFile(path.join(OUTSIDE, 'kubectl'), 'outside the workspace');
  await symlink(OUTSIDE, path.join(work, 'escape'));
});
afterEach(() => Promise.all([rm(work, { recursive: true, force: true }), rm(OUTSIDE, { recursive: true, force: true })]));

async function run(inputs: Record<string, string>) {
  const result = await runBundleScanned('publish-binaries', {
    workspace: work,
    inputs: {
      'source-dir': 'release',
      version: 'v1.31.2',
      destinations: pathToFileURL(folder).toString(),
      's3-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
      's3-secret-access-key': SECRET,
      'github-token': TOKEN,
      ...inputs,
    },
    timeoutMs: 30_000,
  });
  expect(result.exitCode).toBe(1);
  const errors = result.annotations.filter((a) => a.level === 'error');
  expect(errors).toHaveLength(1);
  const log = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  expect(log).not.toContain(SECRET);
  expect(log).not.toContain(TOKEN);
  expect(await readdir(folder).catch(() => [])).toEqual([]);
  return errors[0]!;
}

describe('publish-binaries bundle: bad inputs', () => {
  it.each([
    ['a missing source-dir', { 'source-dir': 'no/such/dir' }, 'Invalid input: source-dir'],
    ['a source-dir above the workspace', { 'source-dir': `../${path.basename(OUTSIDE)}` }, 'Invalid input: source-dir'],
    ['an absolute source-dir outside the workspace', { 'source-dir': OUTSIDE }, 'Invalid input: source-dir'],
    ['a source-dir through a symlink out of the workspace', { 'source-dir': 'escape' }, 'Invalid input: source-dir'],
    ['an unknown destination scheme', { destinations: 'gcs://kubernetes-release' }, 'Invalid input: destinations'],
    ['a version without v', { version: '1.31.2' }, 'Invalid input: version'],
    ['a version that is not semver', { version: 'v1.31' }, 'Invalid input: version'],
    ['a bad layout', { layout: 'release/{arch}/{path}' }, 'Invalid input: layout'],
    ["a part size above S3's 5GiB", { 'part-size': '8GiB' }, 'Invalid input: part-size'],
    [
      'a github release without token',
      { destinations: 'github-release://kubernetes/kubernetes', 'github-token': '' },
      'Invalid input: github-token',
    ],
    ['verify-signatures without identity or key', { 'verify-signatures': 'true' }, 'Invalid input: certificate-identity'],
    [
      'an Azure connection string Azure does not accept',
      { destinations: 'azblob://releases', 'azure-connection-string': `AccountName=acct;AccountKey=${SECRET}` },
      'Invalid input: azure-connection-string',
    ],
    [
      'one GitHub repository listed twice in other cases',
      { destinations: 'github-release://kubernetes/kubernetes\ngithub-release://Kubernetes/Kubernetes' },
      'Invalid input: destinations',
    ],
  ])('refuses %s', async (_name, inputs, title) => {
    const error = await run(inputs);
    expect(error.properties.title).toBe(title);
  });

  it('refuses a symlink pointing out of the tree', async () => {
    await symlink('/etc/hostname', path.join(source, 'bin', 'hostname'));
    const error = await run({});
    expect(error.properties.title).toBe('PATH_UNSAFE');
    expect(error.message).toContain('bin/hostname');
  });

  it('refuses a FIFO in the tree', async () => {
    execFileSync('mkfifo', [path.join(source, 'bin', 'kubectl.pipe')]);
    const error = await run({});
    expect(error.properties.title).toBe('PATH_UNSAFE');
    expect(error.message).toContain('bin/kubectl.pipe');
  });

  it('refuses a folder destination inside source-dir', async () => {
    const error = await run({ destinations: pathToFileURL(path.join(source, 'out')).toString() });
    expect(error.properties.title).toBe('Invalid input: destinations');
    expect(existsSync(path.join(source, 'out'))).toBe(false);
  });

  it('refuses a manifest that is not JSON', async () => {
    await writeFile(path.join(work, 'bad.json'), 'not json');
    const error = await run({ manifest: 'bad.json' });
    expect(error.properties.title).toBe('Invalid input: manifest');
    expect(error.message).toContain('is not valid JSON');
  });

  it('refuses a manifest that records other bytes for a file of the tree', async () => {
    const tarball = { path: 'release/kubernetes.tar.gz', size: 1, sha256: '0'.repeat(64), sha512: '0'.repeat(128) };
    await writeFile(
      path.join(work, 'manifest.json'),
      JSON.stringify({ schemaVersion: 1, files: [tarball], images: [], packages: [] }),
    );
    const error = await run({ manifest: 'manifest.json' });
    expect(error.properties.title).toBe('DIGEST_MISMATCH');
    expect(error.message).toContain('release/kubernetes.tar.gz (release manifest');
  });

  it('refuses a .sha256 that disagrees with its file', async () => {
    await writeFile(path.join(source, 'bin/linux/amd64/kubectl.sha256'), 'a'.repeat(64));
    const error = await run({});
    expect(error.properties.title).toBe('DIGEST_MISMATCH');
    expect(error.message).toContain('bin/linux/amd64/kubectl');
  });
});
