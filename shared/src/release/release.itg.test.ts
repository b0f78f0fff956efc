/**
 * README's first command, run as a fresh clone runs it: the local release of examples/local/release.yaml (packages,
 * signing, two file:// destinations, two images promoted between OCI layouts, markers), then every check it prints
 * (sha256sum, the CLI's verify mode, skopeo), then a second run that changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/cli.ts';
import { repoRoot } from '../runner/run-bundle.ts';
import { runReleaseCli } from './cli.ts';

const root = repoRoot();
let dir: string;

async function release(cwd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runReleaseCli(args, { cwd, out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'local-release-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('release --config examples/local/release.yaml', () => {
  it('makes the release, prints a line per stage, the table and checks that pass; a second run changes nothing', async () => {
    // A fresh clone's view: the example folder, the command run from above it.
    const cwd = await mkdtemp(path.join(dir, 'clone-'));
    await cp(path.join(root, 'examples', 'local'), path.join(cwd, 'examples', 'local'), { recursive: true });
    const first = await release(cwd, ['--config', 'examples/local/release.yaml']);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toMatch(/Created a signing key for this run: _out\/keys\/signing\.key/);
    expect(first.err).toMatch(/Created an OpenPGP key for the packages of this run: _out\/keys\/packages\.asc/);
    expect(first.err).toMatch(
      /Provenance: builder https:\/\/github\.com\/kubernetes-sigs\/release-actions\/examples\/local, invocation v1\.31\.2@1767225600 \(from the config\)/,
    );
    expect(first.err).toMatch(/\[1\/6\] packages \(build-packages\): 12 packages/);
    expect(first.err).toMatch(/\[3\/6\] sign \(sign-artifacts\): 54 files signed/);
    expect(first.err).toMatch(/\[5\/6\] promote \(promote-images\): 2 references promoted/);
    expect(first.out).toMatch(/\| stage +\| what it did +\| time +\|/);
    expect(first.out).toMatch(/\| markers +\| release\/stable\.txt → v1\.31\.2/);
    const checks =
      first.out
        .split('Check the release:\n')[1]
        ?.trim()
        .split('\n')
        .map((l) => l.trim()) ?? [];
    expect(checks).toHaveLength(8);
    expect(checks.filter((c) => c.startsWith('skopeo inspect'))).toHaveLength(2);
    for (const check of checks) {
      if (check.startsWith('npx release-actions ')) {
        // The CLI's verify mode, as npx would run it.
        const args =
          check
            .slice('npx release-actions '.length)
            .match(/'[^']*'|\S+/g)
            ?.map((a) => a.replace(/^'|'$/g, '')) ?? [];
        const previous = process.cwd();
        process.chdir(cwd);
        try {
          expect(await runCli(args, { out: () => {}, err: () => {} })).toBe(0);
        } finally {
          process.chdir(previous);
        }
      } else {
        execFileSync('bash', ['-c', check], { cwd, stdio: 'pipe' });
      }
    }
    expect((await readFile(path.join(cwd, '_out/bucket/release/stable.txt'), 'utf8')).trim()).toBe('v1.31.2');
    const provenance = JSON.parse(await readFile(path.join(cwd, '_out/mirror/release/v1.31.2/provenance.json'), 'utf8'));
    expect(provenance.predicate.buildDefinition.buildType).toBe(
      'https://github.com/kubernetes-sigs/release-actions/buildtypes/local/v1',
    );
    expect(provenance.predicate.runDetails.builder.version).toEqual({ 'release-actions/sign-artifacts': '0.1.0' });

    const second = await release(cwd, ['--config', 'examples/local/release.yaml']);
    expect(second.code, second.err).toBe(0);
    expect(second.err).toMatch(/Signing with the key made for an earlier run/);
    expect(second.out).toMatch(/\| publish +\| 0 objects uploaded, \d+ already there/);
    expect(second.out).toMatch(/\| promote +\| 0 references promoted, 2 already in place/);
    expect(second.out).toMatch(/no marker moved/);
  });
});
