/**
 * A local stand-in for the GitHub REST endpoints publish-binaries calls, shaped
 * after GitHub's documented responses: releases (by tag, list, create, update),
 * release assets (list, get/download, delete) and asset uploads on a separate
 * uploads base, as GitHub Enterprise Server lays them out (`/api/v3`,
 * `/api/uploads`). Drafts are invisible to "get a release by tag" and a tag may
 * have any number of them (only a published release owns its tag: another
 * release for it is a 422 `already_exists`); publishing makes a release Latest
 * unless `make_latest` is "false" or it is a pre-release; a duplicate asset name
 * is a 422 `already_exists`; listings go newest first and stop at 1000 results (a
 * 422 past them); and faults can be injected: a secondary rate limit
 * (403 + retry-after) or a response lost after the write happened.
 * As GitHub documents or other release tools report: an uploaded name is stored renamed (characters other than
 * letters, digits and . _ + - become '.', a leading '.' gets `default` before it); `listLag` hides a new asset
 * from that many listings of its release (lists lag writes); `rateLimit` counts the hourly quota down in
 * `x-ratelimit-remaining`/`x-ratelimit-reset` and refuses with 403 once it is used up, until its reset (on
 * `now`, which a test may drive); `writesInFlight` records the most content-creating requests served at once.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAsset {
  id: number;
  name: string;
  label: string | null;
  content_type: string;
  size: number;
  digest: string;
  /** `starter`: an upload that failed half-way (GitHub keeps the asset, unusable, until it is deleted). */
  state: 'uploaded' | 'starter';
  data: Buffer;
  /** Listings of its release that still leave it out (lists lag writes). */
  hiddenFor?: number;
}

/** The name GitHub stores for an uploaded one (the fake's own model, independent of the client's). */
function storedName(name: string): string {
  const dotted = name.replace(/[^A-Za-z0-9._+-]/g, '.');
  return dotted.startsWith('.') ? `default${dotted}` : dotted;
}

export interface FakeRelease {
  id: number;
  owner: string;
  repo: string;
  tag_name: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  target_commitish: string;
  assets: FakeAsset[];
  /** Published with immutability on: its assets can be neither added nor deleted (422). */
  immutable?: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
}

/** A fault served instead of (or after) the real answer to the next matching request. */
export interface Fault {
  method?: string;
  /** Matches when the request path contains this. */
  path?: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Perform the request first, then answer with the fault (a response lost on the way back). */
  afterApply?: boolean;
}

const SECONDARY_RATE_LIMIT = {
  message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
  documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
};

/** The fault GitHub answers when a client is too fast: 403 with retry-after (seconds), or without one (null). */
export function secondaryRateLimit(match: Pick<Fault, 'method' | 'path'>, retryAfterSeconds: number | null = 1): Fault {
  const headers: Record<string, string> = retryAfterSeconds === null ? {} : { 'retry-after': String(retryAfterSeconds) };
  return { ...match, status: 403, headers, body: SECONDARY_RATE_LIMIT };
}

/** What GitHub answers for a change to the assets of a published immutable release. */
function immutableRefusal(message: string): { status: number; body: unknown } {
  return { status: 422, body: { message, documentation_url: 'https://docs.github.com/rest/releases/assets' } };
}

/** GitHub lists no more than the first 1000 results of a collection. */
const MAX_LISTED = 1000;

export class FakeGitHub {
  readonly token: string;
  readonly releases: FakeRelease[] = [];
  readonly requests: RequestRecord[] = [];
  readonly #faults: Fault[] = [];
  readonly #server: Server;
  /** The id of each repository's Latest release, by owner/repo. */
  readonly #latest = new Map<string, number>();
  #nextId = 1;
  #origin = '';
  /** Listings of a release's assets that leave out an asset just uploaded (0: none, GitHub at its quickest). */
  listLag = 0;
  /** The hourly quota: counted down by each API answer; undefined for none. */
  rateLimit: { limit: number; remaining: number; resetSeconds: number } | undefined;
  /** The fake's clock (ms since the epoch): the rate limit's reset is on it. */
  now: () => number = Date.now;
  /** The most content-creating requests (POST, PATCH, DELETE) served at once. */
  writesInFlight = 0;
  #writing = 0;

  constructor(token: string) {
    this.token = token;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.#json(req, res, 500, { message: String(err) });
        else res.destroy();
      });
    });
  }

  /** The REST base URL (what GITHUB_API_URL would hold). */
  get apiUrl(): string {
    return `${this.#origin}/api/v3`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  inject(fault: Fault): void {
    this.#faults.push(fault);
  }

  /** Uploads answered with 201 (faulted ones excluded). */
  uploads(): RequestRecord[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/uploads/') && r.status === 201);
  }

  /** The tag's release: the published one, else its oldest draft. */
  release(tag: string): FakeRelease | undefined {
    return this.releases.find((r) => r.tag_name === tag && !r.draft) ?? this.releases.find((r) => r.tag_name === tag);
  }

  /** A release made outside the run (an earlier version, say), published. */
  addPublishedRelease(owner: string, repo: string, tag: string, makeLatest = true): FakeRelease {
    const release = this.#newRelease(owner, repo, { tag_name: tag, draft: false });
    if (makeLatest) this.#latest.set(`${owner}/${repo}`, release.id);
    return release;
  }

  /** An asset left by an upload that failed half-way, on the tag's release. */
  addStarterAsset(tag: string, name: string): void {
    const release = this.release(tag);
    if (!release) throw new Error(`no release ${tag}`);
    release.assets.push({
      id: this.#nextId++,
      name,
      label: null,
      content_type: 'application/octet-stream',
      size: 0,
      digest: '',
      state: 'starter',
      data: Buffer.alloc(0),
    });
  }

  /** The repository's Latest release. */
  latest(owner: string, repo: string): FakeRelease | undefined {
    const id = this.#latest.get(`${owner}/${repo}`);
    return this.releases.find((r) => r.id === id);
  }

  #newRelease(owner: string, repo: string, input: Partial<FakeRelease>): FakeRelease {
    const release: FakeRelease = {
      id: this.#nextId++,
      owner,
      repo,
      tag_name: input.tag_name as string,
      name: input.name ?? null,
      body: input.body ?? null,
      draft: input.draft ?? false,
      prerelease: input.prerelease ?? false,
      target_commitish: input.target_commitish ?? 'main',
      assets: [],
    };
    this.releases.push(release);
    return release;
  }

  /** A release just published becomes Latest unless told otherwise or a pre-release (GitHub's make_latest). */
  #published(release: FakeRelease, makeLatest: unknown): void {
    if (makeLatest !== 'false' && !release.prerelease) this.#latest.set(`${release.owner}/${release.repo}`, release.id);
  }

  #takeFault(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex((f) => (f.method ?? method) === method && path.includes(f.path ?? ''));
    return index < 0 ? undefined : this.#faults.splice(index, 1)[0];
  }

  #json(req: IncomingMessage, res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    this.requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0] as string, status });
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'x-github-api-version-selected': '2022-11-28',
      ...headers,
    });
    res.end(text);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#origin);
    const method = req.method ?? 'GET';
    const write = method === 'POST' || method === 'PATCH' || method === 'PUT' || method === 'DELETE';
    if (write) this.writesInFlight = Math.max(this.writesInFlight, ++this.#writing);
    try {
      await this.#serve(req, res, url, method);
    } finally {
      if (write) this.#writing--;
    }
  }

  /** The quota's headers for one more answer; a 403 once it is used up (GitHub's primary rate limit). */
  #quota(): { headers: Record<string, string>; refused: boolean } {
    const quota = this.rateLimit;
    if (!quota) return { headers: {}, refused: false };
    if (this.now() >= quota.resetSeconds * 1000) {
      quota.remaining = quota.limit;
      quota.resetSeconds += 3600;
    }
    const refused = quota.remaining === 0;
    if (!refused) quota.remaining--;
    const headers = {
      'x-ratelimit-limit': String(quota.limit),
      'x-ratelimit-remaining': String(quota.remaining),
      'x-ratelimit-reset': String(quota.resetSeconds),
    };
    return { headers, refused };
  }

  async #serve(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
    const body = await readBody(req);
    const fault = this.#takeFault(method, url.pathname);
    if (fault && !fault.afterApply) return this.#json(req, res, fault.status, fault.body ?? {}, fault.headers);

    const download = /^\/download\/(\d+)$/.exec(url.pathname);
    if (download && method === 'GET') {
      const asset = this.#asset(Number(download[1]));
      if (!asset) return this.#json(req, res, 404, { message: 'Not Found' });
      this.requests.push({ method, path: url.pathname, status: 200 });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(asset.size) });
      res.end(asset.data);
      return;
    }

    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.token}` && auth !== `Bearer ${this.token}`) {
      return this.#json(req, res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    const quota = this.#quota();
    if (quota.refused)
      return this.#json(
        req,
        res,
        403,
        {
          message: 'API rate limit exceeded for installation.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        },
        quota.headers,
      );
    const answer = this.#route(method, url, body, req.headers.accept ?? '');
    if (fault) return this.#json(req, res, fault.status, fault.body ?? {}, { ...quota.headers, ...fault.headers });
    return this.#json(req, res, answer.status, answer.body, { ...quota.headers, ...answer.headers });
  }

  #route(
    method: string,
    url: URL,
    body: Buffer,
    accept: string,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const p = url.pathname;
    let m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/releases\/tags\/(.+)$/.exec(p);
    if (m && method === 'GET') {
      const release = this.#releases(m[1], m[2]).find((r) => r.tag_name === decodeURIComponent(m![3] as string) && !r.draft);
      return release ? { status: 200, body: this.#releaseJson(release) } : notFound();
    }
    m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/releases\/latest$/.exec(p);
    if (m && method === 'GET') {
      const latest = this.latest(m[1] as string, m[2] as string);
      return latest ? { status: 200, body: this.#releaseJson(latest) } : notFound();
    }
    m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/releases$/.exec(p);
    if (m && method === 'GET') {
      // Newest first, and no further than the first 1000, as GitHub lists them.
      const newestFirst = [...this.#releases(m[1], m[2])].sort((a, b) => b.id - a.id);
      return this.#page(
        url,
        newestFirst.slice(0, MAX_LISTED).map((r) => this.#releaseJson(r)),
      );
    }
    if (m && method === 'POST') {
      const input = JSON.parse(body.toString() || '{}') as Partial<FakeRelease> & { make_latest?: string };
      if (!input.tag_name) return validationFailed('Release', 'missing_field', 'tag_name');
      if (this.#releases(m[1], m[2]).some((r) => r.tag_name === input.tag_name && !r.draft))
        return validationFailed('Release', 'already_exists', 'tag_name');
      const release = this.#newRelease(m[1] as string, m[2] as string, input);
      if (!release.draft) this.#published(release, input.make_latest);
      return { status: 201, body: this.#releaseJson(release) };
    }
    m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)$/.exec(p);
    if (m && (method === 'PATCH' || method === 'GET' || method === 'DELETE')) {
      const release = this.#releases(m[1], m[2]).find((r) => r.id === Number(m![3]));
      if (!release) return notFound();
      if (method === 'DELETE') {
        this.releases.splice(this.releases.indexOf(release), 1);
        return { status: 204 };
      }
      if (method === 'PATCH') {
        const input = JSON.parse(body.toString() || '{}') as Partial<FakeRelease> & { make_latest?: string };
        const publishing = release.draft && input.draft === false;
        if (publishing && this.#releases(m[1], m[2]).some((r) => r.tag_name === release.tag_name && !r.draft))
          return validationFailed('Release', 'already_exists', 'tag_name');
        for (const key of ['draft', 'prerelease', 'name', 'body', 'tag_name'] as const) {
          if (input[key] !== undefined) Object.assign(release, { [key]: input[key] });
        }
        if (publishing) this.#published(release, input.make_latest);
      }
      return { status: 200, body: this.#releaseJson(release) };
    }
    m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)\/assets$/.exec(p);
    if (m && method === 'GET') {
      const release = this.#releases(m[1], m[2]).find((r) => r.id === Number(m![3]));
      if (!release) return notFound();
      // An asset just uploaded is left out of the next listings (each listing counts down, as time would).
      const listed = release.assets.filter((a) => {
        if (!a.hiddenFor) return true;
        a.hiddenFor--;
        return false;
      });
      return this.#page(
        url,
        listed.map((a) => this.#assetJson(release, a)),
      );
    }
    m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/releases\/assets\/(\d+)$/.exec(p);
    if (m) {
      const asset = this.#asset(Number(m[3]));
      const release = this.releases.find((r) => r.assets.some((a) => a.id === Number(m![3])));
      if (!asset || !release) return notFound();
      if (method === 'DELETE') {
        if (release.immutable && !release.draft) return immutableRefusal('Cannot delete assets of an immutable release');
        release.assets = release.assets.filter((a) => a !== asset);
        return { status: 204 };
      }
      if (method === 'GET' && accept.includes('application/octet-stream')) {
        return { status: 302, headers: { location: `${this.#origin}/download/${asset.id}` } };
      }
      if (method === 'GET') return { status: 200, body: this.#assetJson(release, asset) };
    }
    m = /^\/api\/uploads\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)\/assets$/.exec(p);
    if (m && method === 'POST') {
      const release = this.#releases(m[1], m[2]).find((r) => r.id === Number(m![3]));
      if (!release) return notFound();
      if (release.immutable && !release.draft) return immutableRefusal('Cannot upload assets to an immutable release');
      const asked = url.searchParams.get('name');
      if (!asked) return validationFailed('ReleaseAsset', 'missing_field', 'name');
      const name = storedName(asked);
      if (release.assets.some((a) => a.name === name)) return validationFailed('ReleaseAsset', 'already_exists', 'name');
      const asset: FakeAsset = {
        id: this.#nextId++,
        name,
        label: url.searchParams.get('label'),
        content_type: 'application/octet-stream',
        size: body.length,
        digest: `sha256:${createHash('sha256').update(body).digest('hex')}`,
        state: 'uploaded',
        data: body,
        hiddenFor: this.listLag,
      };
      release.assets.push(asset);
      return { status: 201, body: this.#assetJson(release, asset) };
    }
    return notFound();
  }

  #releases(owner: string | undefined, repo: string | undefined): FakeRelease[] {
    return this.releases.filter((r) => r.owner === owner && r.repo === repo);
  }

  #asset(id: number): FakeAsset | undefined {
    return this.releases.flatMap((r) => r.assets).find((a) => a.id === id);
  }

  #page(url: URL, items: unknown[]): { status: number; body: unknown; headers: Record<string, string> } {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
    const page = Number(url.searchParams.get('page') ?? 1);
    if ((page - 1) * perPage >= MAX_LISTED)
      return { status: 422, body: { message: 'Only the first 1000 results are available.' }, headers: {} };
    const headers: Record<string, string> = {};
    if (page * perPage < items.length) {
      const next = new URL(url);
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next}>; rel="next"`;
    }
    return { status: 200, body: items.slice((page - 1) * perPage, page * perPage), headers };
  }

  #releaseJson(r: FakeRelease): Record<string, unknown> {
    const base = `${this.apiUrl}/repos/${r.owner}/${r.repo}/releases/${r.id}`;
    return {
      url: base,
      assets_url: `${base}/assets`,
      upload_url: `${this.#origin}/api/uploads/repos/${r.owner}/${r.repo}/releases/${r.id}/assets{?name,label}`,
      html_url: `${this.#origin}/${r.owner}/${r.repo}/releases/${r.draft ? `untagged-${r.id}` : `tag/${r.tag_name}`}`,
      id: r.id,
      node_id: `RE_${r.id}`,
      immutable: Boolean(r.immutable && !r.draft),
      tag_name: r.tag_name,
      target_commitish: r.target_commitish,
      name: r.name,
      body: r.body,
      draft: r.draft,
      prerelease: r.prerelease,
      created_at: '2026-01-01T00:00:00Z',
      published_at: r.draft ? null : '2026-01-01T00:00:00Z',
      assets: r.assets.map((a) => this.#assetJson(r, a)),
    };
  }

  #assetJson(r: FakeRelease, a: FakeAsset): Record<string, unknown> {
    return {
      url: `${this.apiUrl}/repos/${r.owner}/${r.repo}/releases/assets/${a.id}`,
      browser_download_url: `${this.#origin}/${r.owner}/${r.repo}/releases/download/${r.tag_name}/${a.name}`,
      id: a.id,
      node_id: `RA_${a.id}`,
      name: a.name,
      label: a.label,
      state: a.state,
      content_type: a.content_type,
      size: a.size,
      digest: a.digest,
      download_count: 0,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    };
  }
}

function notFound(): { status: number; body: unknown } {
  return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };
}

function validationFailed(resource: string, code: string, field: string): { status: number; body: unknown } {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource, code, field }],
      documentation_url: 'https://docs.github.com/rest',
      status: '422',
    },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeGitHub(token = 'ghs_fakeTestToken0123456789'): Promise<FakeGitHub> {
  return new FakeGitHub(token).start();
}
