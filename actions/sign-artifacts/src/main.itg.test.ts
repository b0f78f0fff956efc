/** The bundle end to end, run exactly as the runner runs it (bundle first: node shared/scripts/bundle.ts sign-artifacts). */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../shared/src/runner/run-bundle.ts';
import { runBundleScanned } from '../../../shared/src/testing/secrets.ts';
import {
  type SigstoreServer,
  startSigstoreServer,
  testIdentityToken,
  testKeyPair,
} from '../../../shared/src/testing/sigstore.ts';

const keys = testKeyPair();
const OFFLINE = { 'rekor-url': 'none', 'tsa-url': 'none' };
const KEY_SIGNING = { ...OFFLINE, signing: 'key', 'private-key': keys.privatePem };
const EPOCH = { SOURCE_DATE_EPOCH: '1767225600' };

let scratch: string;

/** The log as a reader sees it: the runner consumes ::add-mask:: lines. */
function withoutMasks(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

async function tree(dir: string): Promise<string[]> {
  return ((await readdir(dir, { recursive: true })) as string[]).sort();
}

async function releaseWorkspace(): Promise<string> {
  const workspace = await mkdtemp(path.join(scratch, 'ws-'));
  for (const [i, name] of ['bin/linux/amd64/kubectl', 'bin/linux/arm64/kubectl', 'kubernetes.tar.gz'].entries()) {
    await mkdir(path.dirname(path.join(workspace, '_output/release', name)), { recursive: true });
    await writeFile(path.join(workspace, '_output/release', name), `artifact ${i}\n`.repeat(20_000));
  }
  await writeFile(path.join(workspace, '_output/release/README.md'), 'skipped\n');
  return workspace;
}

function expectInputError(result: RunResult, input: string): void {
  expect(result.exitCode).toBe(1);
  const errors = result.annotations.filter((a) => a.level === 'error');
  expect(errors).toHaveLength(1);
  expect(`${errors[0]?.properties.title} ${errors[0]?.message}`).toContain(input);
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'sign-artifacts-e2e-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('sign-artifacts bundle, key mode', () => {
  it('signs, sets outputs and the summary; a rerun is identical; verify mode passes, then names a tampered file', async () => {
    const workspace = await releaseWorkspace();
    const inputs = { files: '_output/release/**', ...KEY_SIGNING };
    const first = await runBundleScanned('sign-artifacts', { workspace, inputs, env: EPOCH });
    expect(first.annotations).toEqual([]);
    expect(first.exitCode).toBe(0);
    const secretLines = keys.privatePem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    for (const line of secretLines) {
      expect(first.stdout).toContain(`::add-mask::${line}`);
      expect(withoutMasks(first.stdout)).not.toContain(line);
      expect(first.stderr).not.toContain(line);
    }
    expect(JSON.parse(first.outputs.bundles as string)).toEqual([
      '_output/release/bin/linux/amd64/kubectl.sigstore.json',
      '_output/release/bin/linux/arm64/kubectl.sigstore.json',
      '_output/release/kubernetes.tar.gz.sigstore.json',
    ]);
    expect(first.outputs.checksums).toBe('_output/release/SHA256SUMS');
    expect(first.outputs.provenance).toBe('_output/release/provenance.json');
    expect(first.outputs.verified).toBe('3');
    expect(Object.keys(JSON.parse(first.outputs.digests as string))).toHaveLength(3);
    expect(first.summary).toContain('| _output/release/kubernetes.tar.gz |');
    expect(first.stdout).toContain('::group::Sign 3 file(s)');
    expect(first.stdout).toMatch(/\[3\/3\]/);
    execFileSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: path.join(workspace, '_output/release') });
    const provenance = JSON.parse(await readFile(path.join(workspace, '_output/release/provenance.json'), 'utf8'));
    expect(provenance.predicate.runDetails.builder.id).toBe(
      'https://github.com/kubernetes/release-test/.github/workflows/release.yml@refs/tags/v1.31.2',
    );
    expect(provenance.predicate.runDetails.metadata.startedOn).toBe('2026-01-01T00:00:00Z');

    const files = await tree(workspace);
    const contents = await Promise.all(
      files.filter((f) => f.includes('.')).map((f) => readFile(path.join(workspace, f)).catch(() => '')),
    );
    const rerun = await runBundleScanned('sign-artifacts', { workspace, inputs, env: EPOCH });
    expect(rerun.exitCode).toBe(0);
    expect(rerun.outputs).toEqual(first.outputs);
    expect(rerun.summary).toContain('nothing was signed again');
    expect(await tree(workspace)).toEqual(files);
    expect(
      await Promise.all(files.filter((f) => f.includes('.')).map((f) => readFile(path.join(workspace, f)).catch(() => ''))),
    ).toEqual(contents);

    await writeFile(path.join(workspace, 'pub.pem'), keys.publicPem);
    const verify = { files: '_output/release/**', mode: 'verify', signing: 'key', 'public-key': 'pub.pem', ...OFFLINE };
    const verified = await runBundleScanned('sign-artifacts', { workspace, inputs: verify });
    expect(verified.annotations).toEqual([]);
    expect(verified.outputs.verified).toBe('3');
    expect(verified.outputs.provenance).toBe('_output/release/provenance.json');
    expect(verified.summary).toContain('provenance verified: _output/release/provenance.json');

    const target = path.join(workspace, '_output/release/bin/linux/arm64/kubectl');
    const data = await readFile(target);
    data[7] = (data[7] as number) ^ 0xff;
    await writeFile(target, data);
    const failed = await runBundleScanned('sign-artifacts', { workspace, inputs: verify });
    expect(failed.exitCode).toBe(1);
    const errors = failed.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.properties.title).toBe('VERIFICATION_FAILED');
    expect(errors[0]?.message).toContain('_output/release/bin/linux/arm64/kubectl');
    expect(errors[0]?.message).not.toContain('amd64');
  });

  it('dry-run prints the plan and writes nothing', async () => {
    const workspace = await releaseWorkspace();
    const before = await tree(workspace);
    const result = await runBundleScanned('sign-artifacts', {
      workspace,
      inputs: { files: '_output/release/**', ...KEY_SIGNING, 'dry-run': 'true' },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('would sign _output/release/kubernetes.tar.gz');
    expect(result.summary).toContain('dry run: nothing written');
    expect(await tree(workspace)).toEqual(before);
  });
});

describe('sign-artifacts bundle, keyless against a private Sigstore instance on loopback', () => {
  const identity = 'https://github.com/kubernetes/release/.github/workflows/release.yml@refs/tags/v1.31.2';
  const issuer = 'https://token.actions.githubusercontent.com';
  let sigstore: SigstoreServer;
  beforeAll(async () => {
    sigstore = await startSigstoreServer();
  });
  afterAll(() => sigstore.close());

  it('signs with an identity token (Fulcio, Rekor, TSA), then verifies for the right identity only', async () => {
    const workspace = await releaseWorkspace();
    await writeFile(path.join(workspace, 'trusted_root.json'), JSON.stringify(sigstore.trustedRoot));
    const token = testIdentityToken({ sub: identity, iss: issuer });
    const service = {
      'fulcio-url': sigstore.url,
      'rekor-url': sigstore.url,
      'tsa-url': sigstore.url,
      'trusted-root': 'trusted_root.json',
    };
    const signed = await runBundleScanned('sign-artifacts', {
      workspace,
      inputs: { files: '_output/release/**', ...service, 'identity-token': token },
    });
    expect(signed.annotations).toEqual([]);
    expect(signed.exitCode).toBe(0);
    expect(signed.outputs.verified).toBe('3');
    expect(withoutMasks(signed.stdout)).not.toContain(token);
    const cert = await readFile(path.join(workspace, '_output/release/kubernetes.tar.gz.cert'), 'utf8');
    expect(Buffer.from(cert, 'base64').toString('utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);

    const verify = { files: '_output/release/**', mode: 'verify', ...service, 'certificate-oidc-issuer': issuer };
    const ok = await runBundleScanned('sign-artifacts', { workspace, inputs: { ...verify, 'certificate-identity': identity } });
    expect(ok.annotations).toEqual([]);
    expect(ok.outputs.verified).toBe('3');
    expect(ok.summary).toContain(identity);

    const wrong = await runBundleScanned('sign-artifacts', {
      workspace,
      inputs: { ...verify, 'certificate-identity-regexp': '^https://github\\.com/evil/' },
    });
    expect(wrong.exitCode).toBe(1);
    const errors = wrong.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    for (const f of ['bin/linux/amd64/kubectl', 'bin/linux/arm64/kubectl', 'kubernetes.tar.gz'])
      expect(errors[0]?.message).toContain(`_output/release/${f}`);
  });
});

describe('sign-artifacts bundle, bad inputs: one error naming the input, nothing written', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['a glob matching nothing', { files: 'nothing/**/*.tar.gz', ...KEY_SIGNING }, 'files'],
    ['a path outside the workspace', { files: '../outside.txt', ...KEY_SIGNING }, 'files'],
    ['a symlink out of the workspace', { files: 'link/*', ...KEY_SIGNING }, 'files'],
    [
      'a private-key that is not a key',
      { files: '_output/release/**', ...OFFLINE, signing: 'key', 'private-key': 'TOPSECRETVALUE-not-a-pem-key-1234567890' },
      'private-key',
    ],
    ['signing: key without a key', { files: '_output/release/**', ...OFFLINE, signing: 'key' }, 'private-key'],
    ['verify mode without identity or key', { files: '_output/release/**', mode: 'verify' }, 'certificate-identity'],
    ['keyless without an OIDC token', { files: '_output/release/**' }, 'signing'],
    ['rekor-url: none without a TSA in keyless mode', { files: '_output/release/**', ...OFFLINE }, 'rekor-url'],
  ];
  for (const [what, inputs, input] of cases) {
    it(what, async () => {
      const workspace = await releaseWorkspace();
      const outside = await mkdtemp(path.join(scratch, 'outside-'));
      await writeFile(path.join(outside, 'secret.txt'), 'outside');
      await symlink(outside, path.join(workspace, 'link'));
      const before = await tree(workspace);
      const result = await runBundleScanned('sign-artifacts', { workspace, inputs, env: { ACTIONS_ID_TOKEN_REQUEST_URL: '' } });
      expectInputError(result, input);
      expect(await tree(workspace)).toEqual(before);
      expect(withoutMasks(result.stdout)).not.toContain('TOPSECRETVALUE');
      expect(result.stderr).not.toContain('TOPSECRETVALUE');
    });
  }
});
