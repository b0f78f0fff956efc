/** The bundle end to end against the local GitHub REST server (bundle first: node shared/scripts/bundle.ts publish-binaries). */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeReleaseTree } from '../../../shared/src/publish/release-tree.fixture.ts';
import type { RunResult } from '../../../shared/src/runner/run-bundle.ts';
import { type FakeGitHub, secondaryRateLimit, startFakeGitHub } from '../../../shared/src/testing/github-api.ts';
import { runBundleScanned } from '../../../shared/src/testing/secrets.ts';

const VERSION = 'v1.31.2';
let work: string;
let github: FakeGitHub;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-binaries-github-'));
  await makeReleaseTree(path.join(work, 'release'));
  github = await startFakeGitHub();
});
afterAll(async () => {
  await github?.stop();
  await rm(work, { recursive: true, force: true });
});

// The tree's binaries are in folders: SHA256SUMS names bin/linux/amd64/kubectl, the asset is bin-linux-amd64-kubectl,
// so the SUMS files stay out of the GitHub release (each file's .sha256 goes).
function publish(assets = ''): Promise<RunResult> {
  return runBundleScanned('publish-binaries', {
    workspace: work,
    inputs: {
      'source-dir': 'release',
      version: VERSION,
      destinations: 'github-release://kubernetes/kubernetes',
      'github-token': github.token,
      'github-api-url': github.apiUrl,
      // Writes go one at a time whatever the pause; a short one keeps the test quick (GitHub's is 1000).
      'github-write-interval-ms': '50',
      concurrency: '4',
      manifest: 'release-manifest.json',
      assets,
    },
    timeoutMs: 50_000,
  });
}

describe('publish-binaries bundle: GitHub Releases', () => {
  it('refuses, before any write, assets asking for a SHA256SUMS that names files otherwise than the assets', async () => {
    const refused = await publish('bin/**, SHA256SUMS');
    expect(refused.exitCode).toBe(1);
    expect(refused.annotations.map((a) => a.message).join('\n')).toMatch(
      /SHA256SUMS lists bin\/\S+, which github-release:\/\/kubernetes\/kubernetes holds as bin-\S+: `sha256sum -c SHA256SUMS`/,
    );
    expect(github.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('creates a draft, uploads each asset once despite a rate limit and a lost response, publishes last; a rerun uploads nothing', async () => {
    github.inject(secondaryRateLimit({ method: 'POST', path: '/api/uploads/' }, 1));
    github.inject({ method: 'POST', path: '/api/uploads/', status: 502, afterApply: true, body: { message: 'Bad Gateway' } });

    github.writesInFlight = 0;
    const first = await publish();
    // The SUMS files name bin/linux/amd64/kubectl, which the release holds as bin-linux-amd64-kubectl: left out.
    expect(
      first.annotations.map((a) => [a.level, a.message]),
      first.stdout,
    ).toEqual([
      [
        'warning',
        expect.stringMatching(
          /^Not published to github-release:\/\/kubernetes\/kubernetes: SHA256SUMS lists bin\/.*SHA512SUMS lists/,
        ),
      ],
    ]);
    expect(first.exitCode).toBe(0);
    // Writes were sent one at a time; the rate limit was waited out as GitHub said, and the log says so.
    expect(github.writesInFlight).toBe(1);
    expect(first.stdout).toMatch(/GitHub asked to slow down: waiting 1 s \(secondary rate limit\) to upload \S+/);

    const release = github.release(VERSION)!;
    expect(release.draft).toBe(false);
    // The draft's id was recorded in the release manifest, for a rerun to ask for it directly.
    const recorded = JSON.parse(await readFile(path.join(work, 'release-manifest.json'), 'utf8'));
    expect(recorded.githubReleases).toEqual([{ repository: 'kubernetes/kubernetes', tag: VERSION, id: release.id }]);
    const names = release.assets.map((a) => a.name).sort();
    expect(names).toContain('bin-linux-amd64-kubectl');
    expect(names).toContain('bin-linux-amd64-kubectl.sha256');
    expect(names).not.toContain('SHA256SUMS');
    expect(names).toContain('index.json');
    expect(Number(first.outputs.uploaded)).toBe(names.length);

    // Each asset was created exactly once; the 403 and the 502 were retried, the retry of the latter met a 422.
    // (The upload answered 502 was stored all the same: its retry met the 422 and found the asset equal.)
    expect(github.uploads()).toHaveLength(names.length - 1);
    const statuses = github.requests.filter((r) => r.path.startsWith('/api/uploads/')).map((r) => r.status);
    expect(statuses).toContain(403);
    expect(statuses).toContain(502);
    expect(statuses).toContain(422);

    // The draft was created first and published after every upload (index.json included).
    const creates = github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/releases'));
    expect(creates).toHaveLength(1);
    const publishAt = github.requests.findIndex((r) => r.method === 'PATCH');
    const lastUpload = github.requests.findLastIndex((r) => r.path.startsWith('/api/uploads/'));
    expect(publishAt).toBeGreaterThan(lastUpload);
    expect(JSON.parse(first.outputs.index!)).toEqual({
      'github-release://kubernetes/kubernetes': `${github.apiUrl.replace('/api/v3', '')}/kubernetes/kubernetes/releases/download/${VERSION}/index.json`,
    });
    expect(first.summary).toContain('release published');

    const rerun = await publish();
    expect(rerun.exitCode).toBe(0);
    expect(github.uploads()).toHaveLength(names.length - 1);
    expect(rerun.outputs).toMatchObject({ uploaded: '0', skipped: String(names.length) });

    for (const run of [first, rerun]) {
      const log = `${run.stdout}\n${run.stderr}`
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n');
      expect(log).not.toContain(github.token);
    }
  });
});
