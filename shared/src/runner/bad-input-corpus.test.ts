/**
 * The bad-input corpus: hostile but realistic inputs to the actions, each run through the bundle as the runner runs
 * it (and some through the CLI). Each must fail with exit 1 and one error naming the input (or the error code),
 * print no secret it was given, and write nothing anywhere: the workspace, the destination and the folders around
 * them are listed (names and contents) before and after. Bundles first: node shared/scripts/bundle.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { makeReleaseTree } from '../publish/release-tree.fixture.ts';
import { cliArgs, runCliProcess } from '../testing/cli.ts';
import { leakedSecrets, runBundleScanned, secretsGiven } from '../testing/secrets.ts';
import { testKeyPair } from '../testing/sigstore.ts';
import { type Annotation, parseAnnotations } from './run-bundle.ts';

const KEYS = testKeyPair();
const RSA_PUBLIC = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' });
const PURGE_TOKEN = '--purge-token-0123456789abcdef';

/** What a case must fail with: an input error naming this input, or this error code. */
type Expected = { input: string } | { code: string };

interface Case {
  name: string;
  action: 'sign-artifacts' | 'publish-binaries' | 'update-markers' | 'build-packages' | 'promote-images';
  /** Over the action's base inputs; `{ws}`, `{dest}` and `{outside}` stand for the fixture's folders. */
  inputs: Record<string, string>;
  expected: Expected;
  /** Also run it through the CLI (`release-actions <action> --<input> <value>…`). */
  cli?: boolean;
}

const BASE: Record<Case['action'], Record<string, string>> = {
  'sign-artifacts': {
    files: 'rel/**',
    signing: 'key',
    'private-key': KEYS.privatePem,
    'rekor-url': 'none',
    'tsa-url': 'none',
    provenance: 'false',
  },
  'publish-binaries': { 'source-dir': 'src', version: 'v1.31.2', destinations: 'file://{dest}' },
  'update-markers': { version: 'v1.31.2', destination: 'file://{dest}' },
  'build-packages': { config: 'nfpm.yaml', version: 'v1.31.2', 'output-dir': 'packages', repository: 'false' },
  'promote-images': { images: `oci:layout@sha256:${'a'.repeat(64)}`, destinations: 'oci:out', confirm: 'true' },
};

const VERIFY = { mode: 'verify', signing: 'key', 'private-key': '', 'public-key': 'pub.pem' };
const LONG = 'a'.repeat(300);

const CASES: Case[] = [
  // build-packages
  {
    name: 'a config that does not exist',
    action: 'build-packages',
    inputs: { config: 'missing.yaml' },
    expected: { input: 'config' },
  },
  {
    name: 'a config above the workspace',
    action: 'build-packages',
    inputs: { config: '../outside/x.yaml' },
    expected: { input: 'config' },
  },
  { name: 'an unknown format', action: 'build-packages', inputs: { formats: 'deb,apk' }, expected: { input: 'formats' } },
  {
    name: 'output-dir outside',
    action: 'build-packages',
    inputs: { 'output-dir': '{outside}' },
    expected: { input: 'output-dir' },
  },
  {
    name: 'source-dir outside',
    action: 'build-packages',
    inputs: { 'source-dir': '../outside' },
    expected: { input: 'source-dir' },
  },
  { name: 'an unknown channel', action: 'build-packages', inputs: { channel: 'beta' }, expected: { input: 'channel' } },
  // promote-images
  {
    name: 'an image not pinned by digest',
    action: 'promote-images',
    inputs: { images: 'registry.k8s.io/pause:3.10' },
    expected: { code: 'INPUT_INVALID' },
  },
  {
    name: 'a destination with a tag',
    action: 'promote-images',
    inputs: { destinations: 'prod.io/k8s:v1' },
    expected: { code: 'INPUT_INVALID' },
  },
  { name: 'a tag with a slash', action: 'promote-images', inputs: { tags: 'v1/latest' }, expected: { code: 'INPUT_INVALID' } },
  { name: 'an unknown verify', action: 'promote-images', inputs: { verify: 'sometimes' }, expected: { input: 'verify' } },
  { name: 'concurrency 0', action: 'promote-images', inputs: { concurrency: '0' }, expected: { input: 'concurrency' } },
  {
    name: 'a layout above the workspace',
    action: 'promote-images',
    inputs: { destinations: 'oci:../outside' },
    expected: { code: 'PATH_UNSAFE' },
  },
  // sign-artifacts
  {
    name: 'a builder-id without invocation-id',
    action: 'sign-artifacts',
    inputs: { provenance: 'true', 'builder-id': 'https://ci.example.org/b' },
    expected: { input: 'invocation-id' },
  },
  { name: 'files matching nothing', action: 'sign-artifacts', inputs: { files: 'nothing/**' }, expected: { input: 'files' } },
  { name: 'files naming a folder', action: 'sign-artifacts', inputs: { files: 'rel' }, expected: { input: 'files' }, cli: true },
  {
    name: 'files above the workspace',
    action: 'sign-artifacts',
    inputs: { files: '../outside/*' },
    expected: { input: 'files' },
  },
  {
    name: 'files at an absolute path outside',
    action: 'sign-artifacts',
    inputs: { files: '{outside}/*' },
    expected: { input: 'files' },
  },
  {
    name: 'files through a symlink out',
    action: 'sign-artifacts',
    inputs: { files: 'escape/*' },
    expected: { input: 'files' },
  },
  {
    name: 'a private-key that is no key',
    action: 'sign-artifacts',
    inputs: { 'private-key': '--TOPSECRET-not-a-key-123' },
    expected: { input: 'private-key' },
    cli: true,
  },
  {
    name: 'signing: key without a key',
    action: 'sign-artifacts',
    inputs: { 'private-key': '' },
    expected: { input: 'private-key' },
  },
  { name: 'an unknown mode', action: 'sign-artifacts', inputs: { mode: 'publish' }, expected: { input: 'mode' } },
  { name: 'an unknown signing', action: 'sign-artifacts', inputs: { signing: 'gpg' }, expected: { input: 'signing' } },
  {
    name: 'keyless without a token',
    action: 'sign-artifacts',
    inputs: { signing: 'keyless', 'tsa-url': 'https://tsa.example' },
    expected: { input: 'signing' },
  },
  {
    name: 'keyless with rekor and tsa none',
    action: 'sign-artifacts',
    inputs: { signing: 'keyless' },
    expected: { input: 'rekor-url' },
  },
  {
    name: 'an identity-token that is no JWT',
    action: 'sign-artifacts',
    inputs: { signing: 'keyless', 'tsa-url': 'https://tsa.example', 'identity-token': 'not-a-jwt-but-secret' },
    expected: { input: 'identity-token' },
  },
  { name: 'timeout 0', action: 'sign-artifacts', inputs: { timeout: '0' }, expected: { input: 'timeout' } },
  {
    name: "timeout beyond a timer's limit",
    action: 'sign-artifacts',
    inputs: { timeout: '597h' },
    expected: { input: 'timeout' },
  },
  {
    name: "retry-budget beyond a timer's limit",
    action: 'sign-artifacts',
    inputs: { 'retry-budget': '1000h' },
    expected: { input: 'retry-budget' },
  },
  { name: 'concurrency 0', action: 'sign-artifacts', inputs: { concurrency: '0' }, expected: { input: 'concurrency' } },
  {
    name: 'a manifest outside the workspace',
    action: 'sign-artifacts',
    inputs: { manifest: '../manifest.json' },
    expected: { input: 'manifest' },
  },
  {
    name: 'a fulcio-url that is no URL',
    action: 'sign-artifacts',
    inputs: { 'fulcio-url': 'fulcio.sigstore.dev' },
    expected: { input: 'fulcio-url' },
  },
  {
    name: 'verify without identity or key',
    action: 'sign-artifacts',
    inputs: { mode: 'verify', signing: 'keyless', 'private-key': '' },
    expected: { input: 'certificate-identity' },
  },
  {
    name: 'verify with an RSA public-key',
    action: 'sign-artifacts',
    inputs: { ...VERIFY, 'public-key': 'rsa.pem' },
    expected: { input: 'public-key' },
  },
  {
    name: 'verify with a public-key that is no key',
    action: 'sign-artifacts',
    inputs: { ...VERIFY, 'public-key': 'rel/kubectl' },
    expected: { input: 'public-key' },
  },
  // publish-binaries
  {
    name: 'source-dir above the workspace',
    action: 'publish-binaries',
    inputs: { 'source-dir': '../outside' },
    expected: { input: 'source-dir' },
  },
  {
    name: 'source-dir outside, absolute',
    action: 'publish-binaries',
    inputs: { 'source-dir': '{outside}' },
    expected: { input: 'source-dir' },
    cli: true,
  },
  {
    name: 'source-dir through a symlink out',
    action: 'publish-binaries',
    inputs: { 'source-dir': 'escape' },
    expected: { input: 'source-dir' },
  },
  {
    name: 'source-dir missing',
    action: 'publish-binaries',
    inputs: { 'source-dir': 'no/such/dir' },
    expected: { input: 'source-dir' },
  },
  {
    name: 'destinations file://',
    action: 'publish-binaries',
    inputs: { destinations: 'file://' },
    expected: { input: 'destinations' },
    cli: true,
  },
  {
    name: 'destinations file:///',
    action: 'publish-binaries',
    inputs: { destinations: 'file:///' },
    expected: { input: 'destinations' },
  },
  {
    name: 'destinations with a query',
    action: 'publish-binaries',
    inputs: { destinations: 'file://{dest}?x=1' },
    expected: { input: 'destinations' },
  },
  {
    name: 'destinations with a fragment',
    action: 'publish-binaries',
    inputs: { destinations: 'file://{dest}#frag' },
    expected: { input: 'destinations' },
  },
  {
    name: 'an unknown destination scheme',
    action: 'publish-binaries',
    inputs: { destinations: 'gcs://kubernetes-release' },
    expected: { input: 'destinations' },
  },
  {
    name: 'a destination listed twice',
    action: 'publish-binaries',
    inputs: { destinations: 'file://{dest}\nfile://{dest}/' },
    expected: { input: 'destinations' },
  },
  { name: 'a layout without {version}', action: 'publish-binaries', inputs: { layout: '{path}' }, expected: { input: 'layout' } },
  {
    name: 'a layout gluing {path} to a name',
    action: 'publish-binaries',
    inputs: { layout: 'k8s/{version}{path}' },
    expected: { input: 'layout' },
  },
  {
    name: 'a layout with an unknown placeholder',
    action: 'publish-binaries',
    inputs: { layout: 'release/{arch}/{path}' },
    expected: { input: 'layout' },
  },
  {
    name: 'a 300-character version, dry run',
    action: 'publish-binaries',
    inputs: { version: `v1.31.2-${LONG}`, 'dry-run': 'true' },
    expected: { input: 'version' },
  },
  { name: 'a version without v', action: 'publish-binaries', inputs: { version: '1.31.2' }, expected: { input: 'version' } },
  {
    name: "a part size above S3's 5GiB",
    action: 'publish-binaries',
    inputs: { 'part-size': '8GiB' },
    expected: { input: 'part-size' },
  },
  {
    name: 'a destination below a file (ENOTDIR)',
    action: 'publish-binaries',
    inputs: { destinations: 'file://{ws}/a-file/mirror' },
    expected: { input: 'destinations' },
  },
  {
    name: 'a destination through a symlink loop (ELOOP)',
    action: 'publish-binaries',
    inputs: { destinations: 'file://{ws}/loop/mirror' },
    expected: { input: 'destinations' },
  },
  {
    name: 'a destination name too long (ENAMETOOLONG)',
    action: 'publish-binaries',
    inputs: { destinations: `file://{dest}/${LONG}` },
    expected: { input: 'destinations' },
  },
  {
    name: 'a github release without a token',
    action: 'publish-binaries',
    inputs: { destinations: 'github-release://kubernetes/kubernetes' },
    expected: { input: 'github-token' },
  },
  // update-markers
  {
    name: 'an extra marker named like a standard one',
    action: 'update-markers',
    inputs: { 'extra-markers': 'stable-1.30' },
    expected: { input: 'extra-markers' },
    cli: true,
  },
  {
    name: 'an extra marker named latest',
    action: 'update-markers',
    inputs: { 'extra-markers': 'latest' },
    expected: { input: 'extra-markers' },
  },
  {
    name: 'an extra marker with a slash',
    action: 'update-markers',
    inputs: { 'extra-markers': '../x' },
    expected: { input: 'extra-markers' },
  },
  {
    name: 'destination file://',
    action: 'update-markers',
    inputs: { destination: 'file://' },
    expected: { input: 'destination' },
  },
  {
    name: 'destination with a query',
    action: 'update-markers',
    inputs: { destination: 'file://{dest}?x=1' },
    expected: { input: 'destination' },
  },
  {
    name: 'destination a GitHub release',
    action: 'update-markers',
    inputs: { destination: 'github-release://kubernetes/kubernetes' },
    expected: { input: 'destination' },
  },
  {
    name: 'a 300-character version',
    action: 'update-markers',
    inputs: { version: `v1.31.2-rc.0+${LONG}` },
    expected: { input: 'version' },
  },
  {
    name: 'a version that is no release',
    action: 'update-markers',
    inputs: { version: 'v1.32.0-dev' },
    expected: { input: 'version' },
  },
  { name: 'a root above the destination', action: 'update-markers', inputs: { root: '../release' }, expected: { input: 'root' } },
  {
    name: "read-back-timeout beyond a timer's limit",
    action: 'update-markers',
    inputs: { 'read-back-url': 'https://dl.k8s.io', 'read-back-timeout': '597h' },
    expected: { input: 'read-back-timeout' },
  },
  {
    name: 'a purge token without a URL',
    action: 'update-markers',
    inputs: { 'cdn-purge-token': PURGE_TOKEN },
    expected: { input: 'cdn-purge-url' },
    cli: true,
  },
  {
    name: 'a release not published',
    action: 'update-markers',
    inputs: { version: 'v1.31.9' },
    expected: { code: 'RELEASE_MISSING' },
  },
  {
    name: 'a marker that is a folder (EISDIR)',
    action: 'update-markers',
    inputs: { destination: 'file://{ws}/markers' },
    expected: { input: 'destination' },
  },
  {
    name: 'a destination below a file (ENOTDIR)',
    action: 'update-markers',
    inputs: { destination: 'file://{ws}/a-file/mirror' },
    expected: { input: 'destination' },
  },
];

let scratch: string;

/** A fresh world per case: the workspace, a destination holding a published release, and a folder beside them. */
async function world(): Promise<{ ws: string; dest: string; outside: string }> {
  const root = await mkdtemp(path.join(scratch, 'case-'));
  const [ws, dest, outside] = ['ws', 'dest', 'outside'].map((d) => path.join(root, d)) as [string, string, string];
  await mkdir(path.join(ws, 'rel'), { recursive: true });
  await writeFile(path.join(ws, 'rel', 'kubectl'), 'kubectl');
  await writeFile(path.join(ws, 'rel', 'kubeadm'), 'kubeadm');
  await makeReleaseTree(path.join(ws, 'src'), { binaries: 2, binarySize: 1024 });
  await writeFile(path.join(ws, 'pub.pem'), KEYS.publicPem);
  await writeFile(path.join(ws, 'rsa.pem'), RSA_PUBLIC);
  await writeFile(path.join(ws, 'a-file'), 'a file, not a folder');
  await symlink('loop', path.join(ws, 'loop'));
  await mkdir(path.join(outside), { recursive: true });
  await writeFile(path.join(outside, 'kubectl'), 'not the workspace’s');
  await symlink(outside, path.join(ws, 'escape'));
  for (const store of [dest, path.join(ws, 'markers')]) {
    await mkdir(path.join(store, 'release', 'v1.31.2'), { recursive: true });
    await writeFile(path.join(store, 'release', 'v1.31.2', 'index.json'), '{}');
  }
  await mkdir(path.join(ws, 'markers', 'release', 'stable.txt'));
  return { ws, dest, outside };
}

/** Every name below `dir` with what it holds: a file's digest, a link's target, a folder. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true })) as Array<{
    name: string;
    parentPath: string;
    isFile(): boolean;
    isSymbolicLink(): boolean;
  }>;
  return Promise.all(
    entries.map(async (e) => {
      const full = path.join(e.parentPath, e.name);
      const what = e.isSymbolicLink() ? `-> ${await readlink(full)}` : e.isFile() ? sha256Hex(await readFile(full)) : 'folder';
      return `${path.relative(dir, full)} ${what}`;
    }),
  ).then((lines) => lines.sort());
}

function fill(inputs: Record<string, string>, places: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [k, v.replace(/\{(ws|dest|outside)\}/g, (_, p: string) => places[p] as string)]),
  );
}

function expectFailure(annotations: Annotation[], expected: Expected): void {
  const errors = annotations.filter((a) => a.level === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]?.properties.title).toBe('input' in expected ? `Invalid input: ${expected.input}` : expected.code);
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'bad-input-corpus-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('bad-input corpus', () => {
  it('holds at least 60 cases across the five actions', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    for (const action of ['sign-artifacts', 'publish-binaries', 'update-markers'])
      expect(CASES.filter((c) => c.action === action).length).toBeGreaterThanOrEqual(10);
    for (const action of ['build-packages', 'promote-images'])
      expect(CASES.filter((c) => c.action === action).length).toBeGreaterThanOrEqual(5);
  });

  it.each(CASES.map((c) => [`${c.action}: ${c.name}`, c] as const))('%s', async (_name, c) => {
    const places = await world();
    const root = path.dirname(places.ws);
    const inputs = fill({ ...BASE[c.action], ...c.inputs }, places);
    const before = await snapshot(root);
    const rootRelease = existsSync('/release');
    const result = await runBundleScanned(c.action, { workspace: places.ws, inputs, timeoutMs: 60_000 });
    expect(result.exitCode).toBe(1);
    expectFailure(result.annotations, c.expected);
    expect(await snapshot(root)).toEqual(before);
    expect(existsSync('/release')).toBe(rootRelease);

    if (!c.cli) return;
    const run = await runCliProcess([c.action, ...cliArgs(inputs)], places.ws);
    expect(run.status).toBe(1);
    expectFailure(parseAnnotations(run.stderr), c.expected);
    expect(leakedSecrets(run, secretsGiven({ inputs }))).toEqual([]);
    expect(await snapshot(root)).toEqual(before);
  });
});
