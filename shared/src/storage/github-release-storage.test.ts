import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { type FakeGitHub, secondaryRateLimit, startFakeGitHub } from '../testing/github-api.ts';
import {
  assetName,
  type GitHubReleaseOptions,
  GitHubReleaseStorage,
  githubStoredName,
  type ReleaseIdRecord,
  webUrlFor,
} from './github-release-storage.ts';

let github: FakeGitHub;
beforeAll(async () => {
  github = await startFakeGitHub();
});
afterAll(() => github.stop());

/** A clock whose sleeps pass at once and are recorded: pacing and rate limits cost the tests no real seconds. */
function testClock(start = Date.now()) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

function storageFor(
  tag: string,
  { repo = 'kubernetes', commit, ...options }: { repo?: string; commit?: string } & GitHubReleaseOptions = {},
): GitHubReleaseStorage {
  return new GitHubReleaseStorage(
    { owner: 'kubernetes', repo, tag, commit },
    { token: github.token, apiUrl: github.apiUrl },
    { clock: testClock(), ...options },
  );
}

async function put(storage: GitHubReleaseStorage, key: string, text: string) {
  const data = Buffer.from(text);
  return storage.put(key, { data }, { sha256: sha256Hex(data), size: data.length });
}

async function readAll(storage: GitHubReleaseStorage, key: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await storage.stream(key)) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

describe('assetName and webUrlFor', () => {
  it.each([
    ['kubernetes_1.31.0~rc.1_amd64.deb', 'kubernetes_1.31.0.rc.1_amd64.deb'],
    ['release notes.md', 'release.notes.md'],
    ['app-(15-5).apk', 'app-.15-5..apk'],
    ['.hidden', 'default.hidden'],
    ['bin/.config', 'bin-.config'],
  ])('refuses %s, which GitHub would store as %s', (key, stored) => {
    const flat = key.replaceAll('/', '-');
    expect(githubStoredName(flat)).toBe(stored);
    if (stored === flat) return;
    expect(() => assetName(key)).toThrow(
      expect.objectContaining({
        code: 'STORAGE_ERROR',
        message: expect.stringContaining(`GitHub would store it as '${stored}'`),
      }),
    );
  });

  it('flattens keys and refuses names GitHub would rewrite', () => {
    expect(assetName('bin/linux/amd64/kubectl')).toBe('bin-linux-amd64-kubectl');
    expect(assetName('kubernetes-1.31.0+k3s1.tar.gz')).toBe('kubernetes-1.31.0+k3s1.tar.gz');
    expect(() => assetName('a b')).toThrow(expect.objectContaining({ code: 'STORAGE_ERROR' }));
    expect(() => assetName('trailing.')).toThrow(expect.objectContaining({ code: 'STORAGE_ERROR' }));
    expect(webUrlFor('https://api.github.com/')).toBe('https://github.com');
    expect(webUrlFor('https://ghes.example/api/v3')).toBe('https://ghes.example');
    expect(webUrlFor('https://api.acme.ghe.com')).toBe('https://acme.ghe.com');
  });
});

describe('GitHubReleaseStorage against the local GitHub API', () => {
  it('creates a draft, uploads, skips equal assets, replaces changed ones and publishes last', async () => {
    const storage = storageFor('v1.0.0');
    expect(await storage.stat('kubectl')).toBeUndefined();
    expect(github.release('v1.0.0')).toBeUndefined();

    await Promise.all([put(storage, 'bin/kubectl', 'one'), put(storage, 'bin/kubeadm', 'two')]);
    const release = github.release('v1.0.0');
    expect(release?.draft).toBe(true);
    expect(github.releases.filter((r) => r.tag_name === 'v1.0.0')).toHaveLength(1);
    expect(github.uploads()).toHaveLength(2);

    const lists = () => github.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/assets')).length;
    const listsBefore = lists();
    const info = await storage.stat('bin/kubectl');
    // After a write, a stat reads GitHub's asset list again (a real read-back), once for all keys.
    await storage.stat('bin/kubeadm');
    expect(lists()).toBe(listsBefore + 1);
    await put(storage, 'bin/kubeadm', 'two');
    for await (const _ of storage.list('bin')) break;
    expect(lists()).toBe(listsBefore + 1);
    await put(storage, 'bin/kubelet', 'three');
    const listed: string[] = [];
    for await (const asset of storage.list('bin')) listed.push(asset.key);
    expect(listed).toEqual(['bin-kubeadm', 'bin-kubectl', 'bin-kubelet']);
    expect(lists()).toBe(listsBefore + 2);
    expect(info).toMatchObject({ size: 3, sha256: sha256Hex('one') });
    expect(await readAll(storage, 'bin/kubectl')).toBe('one');
    expect(storage.urlFor('bin/kubectl')).toBe(
      `${github.apiUrl.replace('/api/v3', '')}/kubernetes/kubernetes/releases/download/v1.0.0/bin-kubectl`,
    );

    // A fresh client (a rerun) finds the draft by listing and uploads nothing equal.
    const rerun = storageFor('v1.0.0');
    await put(rerun, 'bin/kubectl', 'one');
    expect(github.uploads()).toHaveLength(3);
    await put(rerun, 'bin/kubeadm', 'changed');
    expect(github.uploads()).toHaveLength(4);
    expect(release?.assets.map((a) => a.name).sort()).toEqual(['bin-kubeadm', 'bin-kubectl', 'bin-kubelet']);
    expect(github.requests.some((r) => r.method === 'DELETE')).toBe(true);

    const page = await rerun.publishRelease();
    expect(page).toContain('/tag/v1.0.0');
    expect(github.release('v1.0.0')?.draft).toBe(false);
    // Published releases are found by tag.
    expect(await storageFor('v1.0.0').stat('bin/kubeadm')).toMatchObject({ sha256: sha256Hex('changed') });
  });

  it('lists a prefix as a folder: list("f1") is f1/…, not f10/… nor an asset named f1', async () => {
    const storage = storageFor('v1.0.1', { writeIntervalMs: 0 });
    for (const key of ['f1', 'f1/a', 'f1/b/c', 'f10/a', 'f100', 'f1x']) await put(storage, key, key);
    const listed: string[] = [];
    for await (const asset of storage.list('f1')) listed.push(asset.key);
    expect(listed).toEqual(['f1-a', 'f1-b-c']);
  });

  it('treats a 422 already_exists after a lost response as done when the asset is equal', async () => {
    const storage = storageFor('v1.1.0');
    await put(storage, 'first', 'x');
    github.inject({ method: 'POST', path: '/api/uploads/', status: 502, afterApply: true, body: { message: 'Bad Gateway' } });
    const info = await put(storage, 'second', 'payload');
    expect(info.sha256).toBe(sha256Hex('payload'));
    const statuses = github.requests.filter((r) => r.path.startsWith('/api/uploads/')).map((r) => r.status);
    expect(statuses.slice(-3)).toEqual([201, 502, 422]);
    expect(github.release('v1.1.0')?.assets.filter((a) => a.name === 'second')).toHaveLength(1);
  });

  it('replaces an asset a failed upload left half-made, also where only a new object may be written', async () => {
    const storage = storageFor('v1.3.0');
    await put(storage, 'kubectl', 'first');
    github.addStarterAsset('v1.3.0', 'index.json');
    const data = Buffer.from('{"files":[]}');
    const info = await storageFor('v1.3.0').put(
      'index.json',
      { data },
      { sha256: sha256Hex(data), size: data.length, ifNoneMatch: '*' },
    );
    expect(info.sha256).toBe(sha256Hex(data));
    expect(
      github
        .release('v1.3.0')
        ?.assets.filter((a) => a.name === 'index.json')
        .map((a) => a.state),
    ).toEqual(['uploaded']);
  });

  it('waits out a secondary rate limit (403 + retry-after) and carries on, saying so in the log', async () => {
    const clock = testClock();
    const log: string[] = [];
    const storage = storageFor('v1.2.0', { clock, log: (line) => log.push(line) });
    github.inject(secondaryRateLimit({ method: 'POST', path: '/api/uploads/' }, 7));
    await put(storage, 'kubectl', 'rate limited once');
    expect(clock.sleeps).toContain(7000);
    expect(log).toContain('GitHub asked to slow down: waiting 7 s (secondary rate limit) to upload kubectl');
    const statuses = github.requests.filter((r) => r.path.startsWith('/api/uploads/')).map((r) => r.status);
    expect(statuses.slice(-2)).toEqual([403, 201]);
  });

  it('makes one draft when the answer to its creation is lost, and one between two runs creating it at once', async () => {
    github.inject({ method: 'POST', path: '/repos/kubernetes/drafts/releases', status: 502, afterApply: true });
    await put(storageFor('v1.0.0', { repo: 'drafts' }), 'kubectl', 'one');
    const drafts = () => github.releases.filter((r) => r.repo === 'drafts' && r.tag_name === 'v1.0.0');
    expect(drafts()).toHaveLength(1);
    expect(drafts()[0]?.assets.map((a) => a.name)).toEqual(['kubectl']);

    // Two runs, each finding no release and creating its own: both end up on the older draft.
    const [a, b] = [storageFor('v2.0.0', { repo: 'drafts' }), storageFor('v2.0.0', { repo: 'drafts' })];
    await Promise.all([put(a, 'kubectl', 'same'), put(b, 'kubeadm', 'same')]);
    const creates = github.requests.filter((r) => r.method === 'POST' && r.path === '/api/v3/repos/kubernetes/drafts/releases');
    // The lost one was not sent again (the draft was found); then both runs made one.
    expect(creates.map((r) => r.status)).toEqual([502, 201, 201]);
    const second = github.releases.filter((r) => r.repo === 'drafts' && r.tag_name === 'v2.0.0');
    expect(second).toHaveLength(1);
    expect(second[0]?.assets.map((x) => x.name).sort()).toEqual(['kubeadm', 'kubectl']);
  });

  it('publishes a patch of an older minor without making it Latest; a pre-release never is; the tag is made at the commit', async () => {
    github.addPublishedRelease('kubernetes', 'latest', 'v1.31.2');
    const publish = async (tag: string) => {
      const storage = storageFor(tag, { repo: 'latest', commit: 'c0ffee'.padEnd(40, '0') });
      await put(storage, 'kubectl', tag);
      await storage.publishRelease();
    };
    await publish('v1.30.9');
    expect(github.release('v1.30.9')).toMatchObject({ draft: false, target_commitish: 'c0ffee'.padEnd(40, '0') });
    expect(github.latest('kubernetes', 'latest')?.tag_name).toBe('v1.31.2');
    await publish('v1.32.0-rc.0');
    expect(github.release('v1.32.0-rc.0')).toMatchObject({ draft: false, prerelease: true });
    expect(github.latest('kubernetes', 'latest')?.tag_name).toBe('v1.31.2');
    await publish('v1.31.3');
    expect(github.latest('kubernetes', 'latest')?.tag_name).toBe('v1.31.3');
    // A hyphen in the build metadata does not make a pre-release.
    await publish('v1.31.4+build-7');
    expect(github.release('v1.31.4+build-7')).toMatchObject({ prerelease: false });
    expect(github.latest('kubernetes', 'latest')?.tag_name).toBe('v1.31.4+build-7');
  });

  it('rejects a bad token with a 401 HttpError, not a retry loop', async () => {
    const storage = new GitHubReleaseStorage(
      { owner: 'kubernetes', repo: 'kubernetes', tag: 'v9.9.9' },
      { token: 'wrong', apiUrl: github.apiUrl },
    );
    await expect(storage.stat('x')).rejects.toMatchObject({ code: 'HTTP_ERROR', status: 401 });
  });

  it('waits at least a minute on a secondary rate limit without retry-after, as GitHub asks (clock injected)', async () => {
    const waits: number[] = [];
    const storage = new GitHubReleaseStorage(
      { owner: 'kubernetes', repo: 'kubernetes', tag: 'v1.2.1' },
      { token: github.token, apiUrl: github.apiUrl, retry: { sleep: async (ms) => void waits.push(ms) } },
      { writeIntervalMs: 0 },
    );
    github.inject(secondaryRateLimit({ method: 'POST', path: '/api/uploads/' }, null));
    await put(storage, 'kubectl', 'rate limited without retry-after');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(60_000);
    expect(await readAll(storage, 'kubectl')).toBe('rate limited without retry-after');
  });

  it('finds its draft in a repository of more than 1000 releases, which GitHub does not list in full', async () => {
    for (let i = 0; i < 1001; i++) github.addPublishedRelease('kubernetes', 'many', `v0.0.${i}`, false);
    await put(storageFor('v1.0.0', { repo: 'many' }), 'kubectl', 'first run');
    // A rerun (a new store) finds the first run's draft instead of making a second one.
    const rerun = storageFor('v1.0.0', { repo: 'many' });
    expect(await rerun.stat('kubectl')).toMatchObject({ size: 'first run'.length });
    expect(github.releases.filter((r) => r.repo === 'many' && r.draft)).toHaveLength(1);
    expect(github.requests.some((r) => r.status === 422 && r.path.includes('/many/releases'))).toBe(false);
  });

  it('stores names as GitHub does: the fake renames what assetName refuses', async () => {
    const release = await storageFor('v3.0.0', { repo: 'names' });
    await put(release, 'kubectl', 'x');
    const draft = github.releases.find((r) => r.repo === 'names')!;
    for (const name of ['pkg_1.0~rc.1_amd64.deb', '.hidden']) {
      const response = await fetch(
        `${github.apiUrl.replace('/api/v3', '/api/uploads')}/repos/kubernetes/names/releases/${draft.id}/assets?name=${encodeURIComponent(name)}`,
        { method: 'POST', headers: { authorization: `token ${github.token}` }, body: 'data' },
      );
      expect(response.status).toBe(201);
      expect(((await response.json()) as { name: string }).name).toBe(githubStoredName(name));
    }
    expect(draft.assets.map((a) => a.name).sort()).toEqual(['default.hidden', 'kubectl', 'pkg_1.0.rc.1_amd64.deb']);
  });

  it('sends writes one at a time, a second apart, while reads go on (clock injected)', async () => {
    const clock = testClock();
    const start = clock.now();
    const storage = storageFor('v4.0.0', { repo: 'paced', clock });
    github.writesInFlight = 0;
    const before = github.requests.length;
    await Promise.all(Array.from({ length: 8 }, (_, i) => put(storage, `file-${i}`, `content ${i}`)));
    const writes = github.requests.slice(before).filter((r) => r.method !== 'GET');
    // The draft and eight uploads.
    expect(writes).toHaveLength(9);
    expect(github.writesInFlight).toBe(1);
    expect(clock.now() - start).toBeGreaterThanOrEqual(8 * 1000);
    expect(clock.sleeps.every((ms) => ms <= 1000)).toBe(true);
  });

  it('waits for the reset once the hourly limit is used up (x-ratelimit-remaining: 0), within the run budget', async () => {
    const clock = testClock();
    const log: string[] = [];
    const resetSeconds = Math.floor(clock.now() / 1000) + 600;
    github.now = clock.now;
    github.rateLimit = { limit: 5000, remaining: 3, resetSeconds };
    const before = github.requests.length;
    try {
      const storage = storageFor('v4.1.0', { repo: 'quota', clock, writeIntervalMs: 0, log: (l) => log.push(l) });
      await put(storage, 'kubectl', 'one');
      await put(storage, 'kubeadm', 'two');
      expect(github.requests.slice(before).filter((r) => r.status === 403)).toEqual([]);
      expect(clock.sleeps.some((ms) => ms > 590_000 && ms <= 600_000)).toBe(true);
      expect(log.some((l) => /waiting (59\d|600) s \(the hourly rate limit is used up/.test(l))).toBe(true);

      // A run whose budget is smaller than the wait fails, saying why, instead of waiting.
      github.rateLimit = { limit: 5000, remaining: 1, resetSeconds: Math.floor(clock.now() / 1000) + 3000 };
      const short = storageFor('v4.1.0', { repo: 'quota', clock, rateLimitBudgetMs: 60_000 });
      await expect(put(short, 'kubelet', 'three')).rejects.toMatchObject({
        code: 'STORAGE_ERROR',
        message: expect.stringMatching(/GitHub asks to wait \d+ s .* beyond the 60 s this run waits for rate limits/),
      });
    } finally {
      github.rateLimit = undefined;
      github.now = Date.now;
    }
  });

  it('lists again for an asset just uploaded that the listing does not show yet, within a bounded wait', async () => {
    const clock = testClock();
    const log: string[] = [];
    github.listLag = 2;
    try {
      const storage = storageFor('v4.2.0', { repo: 'lag', clock, log: (l) => log.push(l) });
      await put(storage, 'kubectl', 'lagging');
      expect(await storage.stat('kubectl')).toMatchObject({ sha256: sha256Hex('lagging') });
      expect(log.filter((l) => l.startsWith('GitHub does not list kubectl yet'))).toHaveLength(2);

      // An asset that never shows is called missing once the bound is spent, not waited for forever.
      github.listLag = 1000;
      const bounded = testClock();
      const other = storageFor('v4.2.0', { repo: 'lag', clock: bounded, listLagMs: 5000 });
      await put(other, 'kubeadm', 'never listed');
      expect(await other.stat('kubeadm')).toBeUndefined();
      expect(bounded.sleeps.filter((ms) => ms < 1000).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5000);
    } finally {
      github.listLag = 0;
    }
  });

  it('records the draft it makes, and a rerun asks for it by id when it is not among the newest releases', async () => {
    const ids = new Map<string, number>();
    const record: ReleaseIdRecord = {
      recall: async ({ owner, repo, tag }) => ids.get(`${owner}/${repo}@${tag}`),
      remember: async ({ owner, repo, tag, id }) => void ids.set(`${owner}/${repo}@${tag}`, id),
    };
    await put(storageFor('v5.0.0', { repo: 'recorded', releaseIds: record }), 'kubectl', 'first run');
    const draft = github.releases.find((r) => r.repo === 'recorded' && r.draft)!;
    expect(ids.get('kubernetes/recorded@v5.0.0')).toBe(draft.id);
    // 150 newer releases push the draft off the first page of the list.
    for (let i = 0; i < 150; i++) github.addPublishedRelease('kubernetes', 'recorded', `v0.1.${i}`, false);

    const before = github.requests.length;
    const rerun = storageFor('v5.0.0', { repo: 'recorded', releaseIds: record });
    expect(await rerun.stat('kubectl')).toMatchObject({ sha256: sha256Hex('first run') });
    const asked = github.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(asked).toContain(`GET /api/v3/repos/kubernetes/recorded/releases/${draft.id}`);
    expect(asked).not.toContain('GET /api/v3/repos/kubernetes/recorded/releases');
    await put(rerun, 'kubeadm', 'rerun');
    expect(github.releases.filter((r) => r.repo === 'recorded' && r.draft)).toHaveLength(1);
  });
});
