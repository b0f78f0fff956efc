/**
 * README's first command, as a fresh clone runs it: `npx release-actions release --config
 * examples/local/release.yaml` (the bundled CLI, dist/cli, beside the action bundles), in a folder holding only what
 * the repository commits for it. The local release of the example (packages with signed repositories, signing,
 * provenance, two file:// destinations, two images promoted between OCI layouts, markers), then every check it
 * prints (sha256sum, the CLI's verify mode, skopeo, the signed repository files), then a second run that changes
 * nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../runner/run-bundle.ts';
import { snapshot } from '../testing/snapshot.ts';

const root = repoRoot();
let dir: string;

/** `npx release-actions …` in the clone: the package's bin, dist/cli/index.js. */
function cli(cwd: string, args: string[]): { code: number; out: string; err: string } {
  const run = spawnSync(process.execPath, [path.join(cwd, 'dist', 'cli', 'index.js'), ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: run.status ?? -1, out: run.stdout, err: run.stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'local-release-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('README: npx release-actions release --config examples/local/release.yaml', () => {
  // Two whole releases and eight checks: the bound fits a loaded runner; the bench times the command.
  it('makes the release, prints a line per stage, the table and checks that pass; a second run changes nothing', async () => {
    // What a clone holds for the command: the bundles, the actions' metadata, the example, package.json.
    const cwd = await mkdtemp(path.join(dir, 'clone-'));
    for (const p of ['dist', 'actions', 'package.json', path.join('examples', 'local')])
      await cp(path.join(root, p), path.join(cwd, p), { recursive: true });
    const started = performance.now();
    const first = cli(cwd, ['release', '--config', 'examples/local/release.yaml']);
    console.log(`README's first command: ${((performance.now() - started) / 1000).toFixed(1)} s\n${first.out}`);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toMatch(/Created a signing key for this run: _out\/keys\/signing\.key/);
    expect(first.err).toMatch(/Created an OpenPGP key for the packages of this run: _out\/keys\/packages\.asc/);
    expect(first.err).toMatch(
      /Provenance: builder https:\/\/github\.com\/kubernetes-sigs\/release-actions\/examples\/local, invocation v1\.31\.2@1767225600 \(from the config\)/,
    );
    expect(first.err).toMatch(/\[1\/6\] packages \(build-packages\): 12 packages/);
    expect(first.err).toMatch(/\[2\/6\] sbom \(generate-sbom\): 2 SBOMs/);
    // The tree's files and the two SBOMs.
    expect(first.err).toMatch(/\[3\/6\] sign \(sign-artifacts\): 58 files signed/);
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
    expect(checks.filter((c) => c.startsWith('npx release-actions sign-artifacts --mode verify'))).toHaveLength(2);
    for (const check of checks) {
      // npx release-actions is the package's bin.
      const line = check.replace(/^npx release-actions /, `${process.execPath} dist/cli/index.js `);
      const output = execFileSync('bash', ['-c', line], { cwd, encoding: 'utf8', stdio: 'pipe' });
      if (check.startsWith('find ')) expect(output.trim().split('\n')).toHaveLength(2);
    }
    expect((await readFile(path.join(cwd, '_out/bucket/release/stable.txt'), 'utf8')).trim()).toBe('v1.31.2');
    const provenance = JSON.parse(await readFile(path.join(cwd, '_out/mirror/release/v1.31.2/provenance.json'), 'utf8'));
    expect(provenance.predicate.buildDefinition.buildType).toBe(
      'https://github.com/kubernetes-sigs/release-actions/buildtypes/local/v1',
    );
    expect(provenance.predicate.runDetails.builder.version).toEqual({ 'release-actions/sign-artifacts': '0.1.0' });

    const published = await snapshot(path.join(cwd, '_out', 'bucket'));
    const second = cli(cwd, ['release', '--config', 'examples/local/release.yaml']);
    expect(second.code, second.err).toBe(0);
    expect(second.err).toMatch(/Signing with the key made for an earlier run/);
    expect(second.err).toMatch(/Signing packages with the OpenPGP key made for an earlier run/);
    expect(second.out).toMatch(/\| publish +\| 0 objects uploaded, \d+ already there/);
    expect(second.out).toMatch(/\| promote +\| 0 references promoted, 2 already in place/);
    expect(second.out).toMatch(/no marker moved/);
    expect(await snapshot(path.join(cwd, '_out', 'bucket'))).toEqual(published);
  }, 300_000);
});
