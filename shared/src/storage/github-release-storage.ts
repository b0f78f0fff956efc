/**
 * A GitHub release as a store: one release per tag, one asset per key. Keys map
 * to flat asset names ('/' → '-'). The release is created as a draft and stays
 * one until `publishRelease()` (called after everything is uploaded and
 * verified). An equal asset (same size and digest — GitHub reports
 * `digest: "sha256:…"`) is kept, a different one replaced; a 422 `already_exists`
 * (a retried upload whose first response was lost, a concurrent run) is answered
 * by re-listing and comparing, never by failing.
 *
 * GitHub keeps any number of drafts for one tag, so creating one is not
 * idempotent: a create that failed in a way that may have happened anyway (5xx,
 * reset) is followed by a look for the draft before it is sent again, and the
 * draft with the lowest id is the tag's (a run that finds an older one right
 * after making its own deletes its own, still empty). A tag that does not exist
 * yet is made at `commit` when the release is published. The published release
 * becomes the repository's Latest unless Latest is a later version (a patch of
 * an older minor published after a newer release) or this one is a pre-release.
 *
 * GitHub asks integrations to send writes one at a time with a pause between them (its secondary limits allow
 * about 80 content-creating requests a minute): every write here (create, upload, delete, publish) waits its turn
 * and `writeIntervalMs` after the previous one; reads go in parallel. Rate-limit waits (retry-after, a used-up
 * `x-ratelimit-remaining`, a minute without either) come out of one budget for the run and are logged.
 */
import { openAsBlob } from 'node:fs';
import type { Octokit } from '@octokit/rest';
import { describeError } from '../core/errors.ts';
import { sleep as realSleep } from '../core/retry.ts';
import { createOctokit, type GitHubClientOptions, githubCall, isAlreadyExists, isRateLimited } from '../github/client.ts';
import { compareVersions, parseVersion } from '../markers/version.ts';
import {
  type Body,
  type Capabilities,
  type ObjectInfo,
  PreconditionFailedError,
  type PutOptions,
  type Storage,
  StorageError,
} from './storage.ts';

interface Asset {
  id: number;
  name: string;
  size: number;
  digest?: string | null;
  state: string;
  content_type: string;
}

interface Release {
  id: number;
  tag_name: string;
  draft: boolean;
  upload_url: string;
  html_url: string;
  /** A published release with immutability on: GitHub refuses any change to its assets. */
  immutable?: boolean;
}

export interface GitHubReleaseTarget {
  owner: string;
  repo: string;
  tag: string;
  /** The commit a tag that does not exist yet is made at (GITHUB_SHA); else the repository's default branch. */
  commit?: string;
}

/** Where a run keeps the id of the draft it made, so that a rerun finds it without listing releases. */
export interface ReleaseIdRecord {
  /** The id recorded for the repository's release of the tag, if any. */
  recall(target: { owner: string; repo: string; tag: string }): Promise<number | undefined>;
  remember(target: { owner: string; repo: string; tag: string; id: number }): Promise<void>;
}

/** Time as the store waits it: injected by tests, so that pacing and rate limits cost them no real seconds. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface GitHubReleaseOptions {
  releaseIds?: ReleaseIdRecord;
  /** The pause between two writes (GitHub: at least a second). */
  writeIntervalMs?: number;
  /** The longest a run waits in all for GitHub's rate limits before it fails. */
  rateLimitBudgetMs?: number;
  /** How long a read-back keeps listing for an asset it wrote before calling it missing (lists lag writes). */
  listLagMs?: number;
  clock?: Clock;
  /** A line for the log: what is waited for, and how long. */
  log?: (line: string) => void;
}

const WRITE_INTERVAL_MS = 1000;
const RATE_LIMIT_BUDGET_MS = 30 * 60_000;
const LIST_LAG_MS = 10_000;

/** The characters GitHub keeps in an asset name; it turns others into '.' (`~`, spaces, parentheses, ':'). */
const KEPT = /^[A-Za-z0-9._+-]+$/;

/** The name GitHub stores for an uploaded name, as its documentation and other release tools report it. */
export function githubStoredName(name: string): string {
  const dotted = name.replace(/[^A-Za-z0-9._+-]/g, '.');
  return dotted.startsWith('.') ? `default${dotted}` : dotted;
}

/**
 * The asset name for a key: path segments joined with '-'. A name GitHub would store under another name (a
 * character it replaces, a leading or trailing '.') is refused: the release would not hold what its index,
 * SHA256SUMS and URLs name.
 */
export function assetName(key: string): string {
  const name = key.split('/').filter(Boolean).join('-');
  if (!KEPT.test(name) || name.startsWith('.') || name.endsWith('.')) {
    // What GitHub does with a trailing '.' is not documented: no guess is offered.
    const stored = name.endsWith('.') ? '' : ` (GitHub would store it as '${githubStoredName(name)}')`;
    throw new StorageError(
      `'${key}' cannot be a GitHub release asset name${stored}: GitHub renames names with characters other than letters, digits, . _ + - and with a leading or trailing '.'`,
    );
  }
  return name;
}

/** github.com for api.github.com, <name>.ghe.com for api.<name>.ghe.com; the host for GHES (…/api/v3). */
export function webUrlFor(apiUrl: string): string {
  const trimmed = apiUrl.replace(/\/+$/, '');
  if (/^https:\/\/api\.github\.com$/.test(trimmed)) return 'https://github.com';
  const cloud = /^https:\/\/api\.([a-z0-9-]+\.ghe\.com)$/i.exec(trimmed);
  if (cloud) return `https://${cloud[1]}`;
  return trimmed.replace(/\/api\/v3$/, '');
}

export class GitHubReleaseStorage implements Storage {
  readonly location: string;
  readonly #target: GitHubReleaseTarget;
  readonly #client: GitHubClientOptions;
  #octokitPromise: Promise<Octokit> | undefined;
  readonly #webUrl: string;
  #release: Promise<Release | undefined> | undefined;
  #draft: Promise<Release> | undefined;
  #assets: Promise<Map<string, Asset>> | undefined;
  /** Set by a write: the next stat or list asks GitHub for the assets again. */
  #written = false;
  readonly #options: GitHubReleaseOptions;
  readonly #clock: Clock;
  /** The writes' line: each waits for the one before it. */
  #writes: Promise<unknown> = Promise.resolve();
  #lastWriteEnd = Number.NEGATIVE_INFINITY;
  /** Rate-limit waits so far, against the run's budget. */
  #waitedMs = 0;
  /** When GitHub's primary limit, used up (x-ratelimit-remaining: 0), is reset (ms since the epoch). */
  #resetAt: number | undefined;
  /** Assets this run uploaded (name → id): a listing without one of them is asked again (lists lag writes). */
  readonly #uploaded = new Map<string, number>();

  constructor(target: GitHubReleaseTarget, client: GitHubClientOptions, options: GitHubReleaseOptions = {}) {
    this.#target = target;
    this.#client = client;
    this.#options = options;
    const sleep = options.clock?.sleep ?? client.retry?.sleep ?? realSleep;
    this.#clock = { now: options.clock?.now ?? Date.now, sleep };
    this.#webUrl = webUrlFor(client.apiUrl);
    this.location = `github-release://${target.owner}/${target.repo}@${target.tag}`;
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }

  /** Waits as GitHub asked, out of the run's rate-limit budget; fails when that would overrun it. */
  async #waitOut(ms: number, why: string, what: string): Promise<void> {
    const budget = this.#options.rateLimitBudgetMs ?? RATE_LIMIT_BUDGET_MS;
    if (this.#waitedMs + ms > budget)
      throw new StorageError(
        `${this.location}: GitHub asks to wait ${Math.ceil(ms / 1000)} s (${why}) before ${what}, beyond the ${Math.round(budget / 1000)} s this run waits for rate limits in all (${Math.round(this.#waitedMs / 1000)} s waited)`,
      );
    this.#waitedMs += ms;
    this.#log(`GitHub asked to slow down: waiting ${Math.ceil(ms / 1000)} s (${why}) to ${what}`);
    await this.#clock.sleep(ms);
  }

  /**
   * One GitHub call, retried within the run's retry options; a rate limit is waited out as GitHub says (its
   * retry-after, its reset time, else a minute) within the run's budget, and said in the log.
   */
  #call<T>(what: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    const budget = this.#options.rateLimitBudgetMs ?? RATE_LIMIT_BUDGET_MS;
    return githubCall(
      what,
      async (attempt) => {
        if (this.#resetAt !== undefined) {
          const wait = this.#resetAt - this.#clock.now();
          this.#resetAt = undefined;
          if (wait > 0) await this.#waitOut(wait, 'the hourly rate limit is used up until x-ratelimit-reset', what);
        }
        return fn(attempt);
      },
      {
        ...this.#client.retry,
        maxRetryAfterMs: Math.max(0, budget - this.#waitedMs),
        sleep: async (ms) => {
          this.#waitedMs += ms;
          await this.#clock.sleep(ms);
        },
        onRetry: (info) => {
          const seconds = Math.ceil(info.delayMs / 1000);
          if (isRateLimited(info.error))
            this.#log(`GitHub asked to slow down: waiting ${seconds} s (${rateLimitReason(info.error)}) to ${what}`);
          else this.#log(`${what} failed (${describeError(info.error)}): trying again in ${seconds} s`);
          this.#client.retry?.onRetry?.(info);
        },
      },
    );
  }

  /**
   * A content-creating call: one at a time, `writeIntervalMs` after the previous one ended, as GitHub asks of an
   * integration making many writes. A retry keeps the turn (the writes behind it wait too).
   */
  #write<T>(what: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    const interval = this.#options.writeIntervalMs ?? WRITE_INTERVAL_MS;
    const turn = this.#writes.then(async () => {
      const pause = this.#lastWriteEnd + interval - this.#clock.now();
      if (pause > 0) await this.#clock.sleep(pause);
      try {
        return await this.#call(what, fn);
      } finally {
        this.#lastWriteEnd = this.#clock.now();
      }
    });
    this.#writes = turn.catch(() => {});
    return turn;
  }

  /** GitHub's per-release limits: checked in the plan, before the first upload. */
  readonly limits = { maxObjects: 1000, maxObjectBytes: 2 * 1024 ** 3, what: 'assets of one GitHub release' };

  #octokit(): Promise<Octokit> {
    this.#octokitPromise ??= createOctokit(this.#client).then((octokit) => {
      // Every answer says how much of the hourly limit is left: once none is, the next call waits for the reset.
      const note = (headers: Record<string, unknown> | undefined) => {
        if (headers?.['x-ratelimit-remaining'] !== '0') return;
        const reset = Number(headers['x-ratelimit-reset']);
        if (Number.isFinite(reset) && reset > 0) this.#resetAt = reset * 1000;
      };
      octokit.hook.after('request', (response) => note(response.headers as Record<string, unknown>));
      // A 404 counts too; a refused call's (403/429) own reset time is waited out by its retry (toHttpError reads it).
      octokit.hook.error('request', (error) => {
        const { status, response } = error as { status?: number; response?: { headers?: Record<string, unknown> } };
        if (status !== 403 && status !== 429) note(response?.headers);
        throw error;
      });
      return octokit;
    });
    return this.#octokitPromise;
  }

  /**
   * GitHub refuses a second asset of one name (create is conditional), but replacing one is a delete and an upload:
   * two writers may both succeed. GitHub reports each asset's SHA-256 digest.
   */
  async capabilities(): Promise<Capabilities> {
    const release = await this.#findRelease();
    return {
      ...(release?.immutable && !release.draft
        ? { readOnly: `${this.#target.tag} is a published immutable release: GitHub refuses to add or delete its assets` }
        : {}),
      conditionalCreate: true,
      conditionalReplace: false,
      serverChecksum: true,
      etag: 'version',
      established: 'documented',
      notes: ['replacing an asset is a delete and an upload, not one conditional write'],
    };
  }

  urlFor(key: string): string {
    const { owner, repo, tag } = this.#target;
    return `${this.#webUrl}/${owner}/${repo}/releases/download/${encodeURIComponent(tag)}/${assetName(key)}`;
  }

  /** After a write, the next look (stat or list) asks GitHub again: a read-back sees GitHub's state, not ours. */
  #readBack(): void {
    if (!this.#written) return;
    this.#written = false;
    this.#assets = undefined;
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    this.#readBack();
    const asset = (await this.#assetMap()).get(assetName(key));
    return asset && asset.state === 'uploaded' ? toInfo(key, asset) : undefined;
  }

  async read(key: string): Promise<{ data: Buffer; info: ObjectInfo } | undefined> {
    const info = await this.stat(key);
    if (!info) return undefined;
    const chunks: Uint8Array[] = [];
    for await (const chunk of await this.stream(key)) chunks.push(chunk);
    return { data: Buffer.concat(chunks), info };
  }

  async stream(key: string): Promise<AsyncIterable<Uint8Array>> {
    const asset = (await this.#assetMap()).get(assetName(key));
    if (!asset) throw new StorageError(`${this.location}: no asset ${assetName(key)}`);
    const { owner, repo } = this.#target;
    const octokit = await this.#octokit();
    const response = await this.#call(`download ${asset.name}`, () =>
      octokit.request('GET /repos/{owner}/{repo}/releases/assets/{asset_id}', {
        owner,
        repo,
        asset_id: asset.id,
        headers: { accept: 'application/octet-stream' },
        request: { parseSuccessResponseBody: false },
      }),
    );
    return response.data as unknown as AsyncIterable<Uint8Array>;
  }

  async put(key: string, body: Body, options: PutOptions): Promise<ObjectInfo> {
    const name = assetName(key);
    const release = await this.#ensureDraft();
    for (let attempt = 0; ; attempt++) {
      const found = (await this.#assetMap()).get(name);
      // An upload that failed half-way leaves its asset in the `starter` state: not an object, removed to make room.
      const existing = found?.state === 'uploaded' ? found : undefined;
      if (found && !existing) await this.#deleteAsset(found);
      if (options.ifNoneMatch === '*' && existing) throw new PreconditionFailedError(this.location, key);
      if (options.ifMatch !== undefined && existingEtag(existing) !== options.ifMatch)
        throw new PreconditionFailedError(this.location, key);
      if (existing && sameContent(existing, options)) return toInfo(key, existing);
      if (existing) await this.#deleteAsset(existing);
      try {
        const asset = await this.#upload(release, name, body, options);
        (await this.#assetMap()).set(name, asset);
        this.#uploaded.set(name, asset.id);
        this.#written = true;
        if (asset.digest && asset.digest !== `sha256:${options.sha256}`) {
          throw new StorageError(`${this.location}: ${name} was stored with ${asset.digest}, expected sha256:${options.sha256}`);
        }
        return toInfo(key, asset);
      } catch (error) {
        if (!isAlreadyExists(error) || attempt >= 2) throw error;
        this.#assets = undefined;
      }
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.#readBack();
    // A folder's keys flatten to its name and a '-' (checkKeys refuses paths that flatten to one name).
    const start = prefix === '' ? '' : `${assetName(prefix)}-`;
    const assets = [...(await this.#assetMap()).values()].filter((a) => a.name.startsWith(start) && a.state === 'uploaded');
    for (const asset of assets.sort((a, b) => a.name.localeCompare(b.name))) yield toInfo(asset.name, asset);
  }

  async delete(key: string): Promise<void> {
    const asset = (await this.#assetMap()).get(assetName(key));
    if (asset) await this.#deleteAsset(asset);
  }

  /** Turns the draft into a published release (the last step); returns its page URL. */
  async publishRelease(): Promise<string> {
    const release = await this.#ensureDraft();
    if (!release.draft) return release.html_url;
    const { owner, repo } = this.#target;
    const octokit = await this.#octokit();
    const makeLatest = await this.#makesLatest();
    const { data } = await this.#write(`publish release ${this.#target.tag}`, () =>
      octokit.rest.repos.updateRelease({
        owner,
        repo,
        release_id: release.id,
        draft: false,
        make_latest: makeLatest ? 'true' : 'false',
      }),
    );
    this.#release = Promise.resolve(data);
    this.#draft = Promise.resolve(data);
    return data.html_url;
  }

  #findRelease(): Promise<Release | undefined> {
    this.#release ??= (async () => {
      const { owner, repo, tag } = this.#target;
      const octokit = await this.#octokit();
      const published = await this.#call(`get release ${tag}`, () =>
        octokit.rest.repos.getReleaseByTag({ owner, repo, tag }).catch((error: { status?: number }) => {
          if (error.status === 404) return undefined;
          throw error;
        }),
      );
      if (published) return published.data;
      // The draft an earlier run recorded, asked for by id: listing releases is a page of 100 and stops at 1000.
      const recorded = await this.#options.releaseIds?.recall({ owner, repo, tag });
      if (recorded !== undefined) {
        const byId = await this.#call(`get release ${recorded}`, () =>
          octokit.rest.repos.getRelease({ owner, repo, release_id: recorded }).catch((error: { status?: number }) => {
            if (error.status === 404) return undefined;
            throw error;
          }),
        );
        if (byId?.data.draft && byId.data.tag_name === tag) return byId.data as Release;
      }
      return (await this.#drafts())[0];
    })().catch((error: unknown) => {
      this.#release = undefined;
      throw error;
    });
    return this.#release;
  }

  /**
   * The tag's drafts, oldest (lowest id) first: drafts have no tag yet, so GitHub only lists them. Only the first
   * page, newest first, is read: GitHub lists no more than 1000 releases, and a run's draft is among the newest.
   */
  async #drafts(): Promise<Release[]> {
    const { owner, repo, tag } = this.#target;
    const octokit = await this.#octokit();
    const { data } = await this.#call(`list the newest releases of ${owner}/${repo}`, () =>
      octokit.rest.repos.listReleases({ owner, repo, per_page: 100, page: 1 }),
    );
    return (data as Release[]).filter((r) => r.tag_name === tag && r.draft).sort((a, b) => a.id - b.id);
  }

  /** A new draft for the tag, sent again only once no earlier attempt turns out to have made one. */
  async #createDraft(): Promise<Release> {
    const { owner, repo, tag, commit } = this.#target;
    const octokit = await this.#octokit();
    // A draft found instead of made (an earlier attempt's, or another run's) is never deleted below.
    let adopted = false;
    const created = await this.#write(`create draft release ${tag}`, async (attempt) => {
      if (attempt > 1) {
        const made = (await this.#drafts())[0];
        adopted = made !== undefined;
        if (made) return made;
      }
      const { data } = await octokit.rest.repos.createRelease({
        owner,
        repo,
        tag_name: tag,
        name: tag,
        draft: true,
        prerelease: (parseVersion(tag)?.pre.length ?? 0) > 0,
        ...(commit ? { target_commitish: commit } : {}),
      });
      return data as Release;
    }).catch(async (error: unknown) => {
      // Another run published it meanwhile: use theirs.
      if (!isAlreadyExists(error)) throw error;
      this.#release = undefined;
      const again = await this.#findRelease();
      if (!again) throw error;
      adopted = true;
      return again;
    });
    if (!created.draft || adopted) return created;
    // A run that made its draft at the same time as another: both keep the oldest.
    const oldest = (await this.#drafts())[0];
    if (!oldest || oldest.id === created.id) return created;
    await this.#write(`delete duplicate draft of ${tag}`, () =>
      octokit.rest.repos.deleteRelease({ owner, repo, release_id: created.id }).catch((error: { status?: number }) => {
        if (error.status !== 404) throw error;
      }),
    );
    return oldest;
  }

  /** Whether publishing makes this release the repository's Latest (see the module comment). */
  async #makesLatest(): Promise<boolean> {
    const ours = parseVersion(this.#target.tag);
    if (!ours) return true;
    if (ours.pre.length > 0) return false;
    const { owner, repo } = this.#target;
    const octokit = await this.#octokit();
    const latest = await this.#call(`get the latest release of ${owner}/${repo}`, () =>
      octokit.rest.repos.getLatestRelease({ owner, repo }).catch((error: { status?: number }) => {
        if (error.status === 404) return undefined;
        throw error;
      }),
    );
    const theirs = latest && parseVersion(latest.data.tag_name);
    return !theirs || compareVersions(ours, theirs) >= 0;
  }

  /** The release for the tag, created as a draft when there is none (once, however many uploads ask). */
  #ensureDraft(): Promise<Release> {
    this.#draft ??= (async () => {
      const found = await this.#findRelease();
      if (found) return found;
      const created = await this.#createDraft();
      this.#release = Promise.resolve(created);
      this.#assets = undefined;
      // Recorded at once: a run that fails before publishing leaves the draft to its rerun.
      if (created.draft) await this.#options.releaseIds?.remember({ ...this.#target, id: created.id });
      return created;
    })().catch((error: unknown) => {
      this.#draft = undefined;
      throw error;
    });
    return this.#draft;
  }

  #assetMap(): Promise<Map<string, Asset>> {
    this.#assets ??= (async () => {
      const release = await this.#findRelease();
      if (!release) return new Map<string, Asset>();
      const { owner, repo } = this.#target;
      const octokit = await this.#octokit();
      const listAssets = () =>
        this.#call(`list assets of ${this.#target.tag}`, () =>
          octokit.paginate(octokit.rest.repos.listReleaseAssets, {
            owner,
            repo,
            release_id: release.id,
            per_page: 100,
          }),
        );
      // GitHub's lists lag its writes: an asset this run uploaded and that is not listed yet is listed again, a few
      // times within a bounded wait, before the listing is believed.
      const bound = this.#options.listLagMs ?? LIST_LAG_MS;
      let waited = 0;
      for (let delay = 250; ; delay *= 2) {
        const assets = await listAssets();
        const names = new Set(assets.map((a) => a.name));
        const missing = [...this.#uploaded.keys()].filter((name) => !names.has(name));
        if (missing.length === 0 || waited >= bound) return new Map(assets.map((a) => [a.name, a as Asset]));
        const pause = Math.min(delay, bound - waited);
        this.#log(
          `GitHub does not list ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} yet: listing again in ${pause} ms`,
        );
        waited += pause;
        await this.#clock.sleep(pause);
      }
    })().catch((error: unknown) => {
      this.#assets = undefined;
      throw error;
    });
    return this.#assets;
  }

  async #upload(release: Release, name: string, body: Body, options: PutOptions): Promise<Asset> {
    const url = release.upload_url.replace(/\{\?[^}]*\}$/, '');
    const octokit = await this.#octokit();
    const { data } = await this.#write(`upload ${name}`, async () =>
      octokit.request({
        method: 'POST',
        url: `${url}?name=${encodeURIComponent(name)}`,
        headers: { 'content-type': options.contentType ?? 'application/octet-stream', 'content-length': options.size },
        // A fresh body per attempt: a file is re-opened (streamed as a Blob), bytes are re-sent.
        data: 'file' in body ? await openAsBlob(body.file) : body.data,
      }),
    );
    return data as Asset;
  }

  async #deleteAsset(asset: Asset): Promise<void> {
    const { owner, repo } = this.#target;
    const octokit = await this.#octokit();
    await this.#write(`delete asset ${asset.name}`, () =>
      octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: asset.id }).catch((error: { status?: number }) => {
        if (error.status !== 404) throw error;
      }),
    );
    (await this.#assetMap()).delete(asset.name);
    this.#uploaded.delete(asset.name);
  }
}

/** What GitHub said about the limit it enforced. */
function rateLimitReason(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/secondary rate limit/i.test(message)) return 'secondary rate limit';
  if (/rate limit/i.test(message)) return 'rate limit';
  return 'retry-after';
}

function existingEtag(asset: Asset | undefined): string | undefined {
  return asset ? (asset.digest ?? String(asset.id)) : undefined;
}

function sameContent(asset: Asset, options: PutOptions): boolean {
  return asset.state === 'uploaded' && asset.size === options.size && asset.digest === `sha256:${options.sha256}`;
}

function toInfo(key: string, asset: Asset): ObjectInfo {
  const sha256 = asset.digest?.startsWith('sha256:') ? asset.digest.slice('sha256:'.length) : undefined;
  return {
    key,
    size: asset.size,
    etag: existingEtag(asset) as string,
    ...(sha256 ? { sha256 } : {}),
    contentType: asset.content_type,
  };
}
