/**
 * promote-images: plan → copy → attach (referrers, signatures, attestations) → check every mirror → report.
 * Nothing is written without `confirm`. One failing edge does not stop the others: each failure is recorded on
 * its edge and the run goes on; the caller fails the step when any edge failed.
 */
import { describeError } from '../core/errors.ts';
import { type Logger, Progress } from '../core/logger.ts';
import { mapPool, settlePool } from '../core/pool.ts';
import type { OciClient } from '../oci/client.ts';
import { type ManifestBlob, parseManifest } from '../oci/media-types.ts';
import type { ImageStore } from '../oci/store.ts';
import { Copier, type TransferStats } from './copier.ts';
import { PlanConflictError } from './errors.ts';
import { classify, type Edge, edgesOf, type Observed, type PlannedEdge, tagConflicts, writes } from './plan.ts';
import { copyAttached, ReferrerIndex } from './referrers.ts';
import { Semaphore } from './semaphore.ts';
import type { ImageSigning, SignatureTrust } from './signatures.ts';
import type { ImageSpec } from './spec.ts';

/** Signing and verifying images (the Sigstore libraries): loaded only by a run that signs or verifies. */
type Sigstore = typeof import('./sigstore.ts');

export type VerifyMode = 'none' | 'if-present' | 'required';

export interface PromoteOptions {
  specs: readonly ImageSpec[];
  client: OciClient;
  confirm: boolean;
  allowTagMoves: boolean;
  copyReferrers: boolean;
  concurrency: number;
  /** Sign each promoted digest (one signature, stored on every destination). */
  signing?: ImageSigning | undefined;
  /** Attest each promotion (needs signing). */
  attest: boolean;
  verify: VerifyMode;
  /** What source signatures must verify with (verify other than none): a key, or a keyless trust policy. */
  verifyTrust?: SignatureTrust | undefined;
  builderId: string;
  /** RFC 3339, from SOURCE_DATE_EPOCH. */
  timestamp: string;
  /**
   * The check after a confirmed run: `full` walks every mirror pair (manifests, a HEAD per blob); `written` only
   * the pairs this run wrote to, a skipped pair standing on the survey (its tags at its digest).
   */
  check?: 'full' | 'written';
}

export type EdgeStatus = 'planned' | 'skipped' | 'promoted' | 'failed';

export interface EdgeReport extends PlannedEdge {
  status: EdgeStatus;
}

export interface MirrorCheck {
  destination: string;
  digest: string;
  ok: boolean;
  problems: string[];
  signature?: 'verified' | 'absent' | 'invalid';
}

export interface PromoteResult {
  confirmed: boolean;
  edges: EdgeReport[];
  promoted: number;
  skipped: number;
  failed: number;
  /** Manifests written for referrers, signatures and attestations. */
  attached: { referrers: number; signatures: number; attestations: number };
  checks: MirrorCheck[];
  /** Per destination registry. */
  transfers: Record<string, TransferStats>;
}

function unique<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/** What the survey saw: the plan's view, and the manifests it read (each at `${store}@${digest}`). */
interface Survey {
  observed: Observed;
  manifests: Map<string, ManifestBlob>;
}

/**
 * Looks at what the registries hold, only as much as the plan needs: a tag already at its digest ends it. A
 * confirmed run with the full check GETs each tag (one request, as a HEAD): the bytes are what the check walks
 * afterwards, not asked for again; otherwise a HEAD does (a GET counts as a pull on Docker Hub). A confirmed run
 * GETs the source manifest of an open edge too, into the copier: the copy pushes those bytes.
 */
async function survey(
  options: PromoteOptions,
  stores: (name: string) => ImageStore,
  referrers: ReferrerIndex,
  sigstore: Sigstore | undefined,
  copier: Copier | undefined,
): Promise<Survey> {
  const edges = edgesOf(options.specs);
  const tags = new Map<string, string | undefined>();
  const manifests = new Map<string, ManifestBlob>();
  const present = new Map<string, boolean>();
  const unverified = new Map<string, string | undefined>();
  // A read that failed (after its retries) fails the edges that need it, not the run: the others go on.
  const failed = new Map<string, string>();
  // HEADs are small and each registry has its own token bucket: `concurrency` in flight per registry, not in all.
  const registries = new Set(edges.flatMap((e) => [stores(e.source).registryKey, stores(e.destination).registryKey]));
  const limit = new Semaphore(options.concurrency * registries.size);
  const once = new Map<string, Promise<void>>();
  const lookup = (key: string, read: () => Promise<void>) => {
    let done = once.get(key);
    if (!done) {
      done = limit.run(read).catch((err: unknown) => {
        failed.set(key, describeError(err));
      });
      once.set(key, done);
    }
    return done;
  };
  const readTag = (e: Edge) =>
    lookup(`${e.destination}:${e.tag}`, async () => {
      const store = stores(e.destination);
      if (!options.confirm || options.check === 'written') {
        tags.set(`${e.destination}:${e.tag}`, (await store.headManifest(e.tag as string))?.digest);
        return;
      }
      const manifest = await store.getManifest(e.tag as string);
      tags.set(`${e.destination}:${e.tag}`, manifest?.digest);
      if (manifest) manifests.set(`${store.name}@${manifest.digest}`, manifest);
    });
  // The source of a confirmed run is read whole (the copy needs its bytes: one request, as a HEAD); else a HEAD.
  const readDigest = (name: string, digest: string, source: boolean) =>
    lookup(`${name}@${digest}`, async () => {
      const store = stores(name);
      const found = source && copier ? await copier.manifest(store, digest) : await store.headManifest(digest);
      present.set(`${name}@${digest}`, found !== undefined);
    });
  // Each edge goes on as soon as its tag is read (no phase waits for all tags): the digests an open edge needs.
  const open: Edge[] = [];
  await Promise.all(
    edges.map(async (e) => {
      if (e.tag) {
        await readTag(e);
        if (tags.get(`${e.destination}:${e.tag}`) === e.digest) return;
      }
      open.push(e);
      await Promise.all([readDigest(e.destination, e.digest, false), readDigest(e.source, e.digest, true)]);
    }),
  );
  if (options.verify !== 'none' && options.verifyTrust && sigstore) {
    const { checkSignature } = sigstore;
    const trust = options.verifyTrust;
    const sources = unique(
      open.filter((e) => present.get(`${e.source}@${e.digest}`)),
      (e) => `${e.source}@${e.digest}`,
    );
    await mapPool(sources, options.concurrency * registries.size, async (e) => {
      const check = await checkSignature(stores(e.source), e.digest, trust, referrers).catch((err: unknown) => ({
        status: 'invalid' as const,
        problem: `${e.source}@${e.digest}: its signatures could not be read (${describeError(err)})`,
      }));
      const refused =
        check.status === 'invalid'
          ? check.problem
          : check.status === 'absent' && options.verify === 'required'
            ? `${e.source}@${e.digest} has no signature (verify: required)`
            : undefined;
      unverified.set(`${e.source}@${e.digest}`, refused);
    });
  }
  return {
    observed: {
      sourceHas: (source, digest) => present.get(`${source}@${digest}`) ?? false,
      destinationHas: (destination, digest) => present.get(`${destination}@${digest}`) ?? false,
      tagDigest: (destination, tag) => tags.get(`${destination}:${tag}`),
      unverified: (source, digest) => unverified.get(`${source}@${digest}`),
      unreadable: (e) =>
        (e.tag ? failed.get(`${e.destination}:${e.tag}`) : undefined) ??
        failed.get(`${e.destination}@${e.digest}`) ??
        failed.get(`${e.source}@${e.digest}`),
    },
    manifests,
  };
}

function label(edge: PlannedEdge): string {
  return `${edge.destination}${edge.tag ? `:${edge.tag}` : ''}@${edge.digest.slice(7, 19)}`;
}

async function promoteEdge(copier: Copier, stores: (name: string) => ImageStore, edge: PlannedEdge): Promise<void> {
  const from = stores(edge.source);
  const to = stores(edge.destination);
  if (edge.action === 'copy' || edge.action === 'move') {
    const tagged = await copier.copy(from, to, edge.digest, edge.action === 'copy', edge.tag);
    if (tagged === edge.tag) return;
  }
  if (!edge.tag) return;
  const manifest = (await to.getManifest(edge.digest)) ?? (await copier.manifest(from, edge.digest));
  if (!manifest) throw new Error(`${edge.digest} vanished from ${to.name}`);
  await copier.tag(to, edge.tag, manifest);
}

/**
 * The post-run check's reads, shared by every pair: each manifest and each blob of a repository is asked for once
 * (a blob shared by many images is HEADed once per repository; a manifest the survey read is not read again), at
 * most `concurrency` requests at once per registry (each has its own token bucket).
 */
class TreeCheck {
  readonly #copier: Copier;
  readonly #concurrency: number;
  readonly #limits = new Map<string, Semaphore>();
  readonly #manifests = new Map<string, Promise<ManifestBlob | undefined>>();
  readonly #blobs = new Map<string, Promise<boolean>>();

  constructor(copier: Copier, concurrency: number, seen: ReadonlyMap<string, ManifestBlob>) {
    this.#copier = copier;
    this.#concurrency = concurrency;
    for (const [key, manifest] of seen) this.#manifests.set(key, Promise.resolve(manifest));
  }

  #once<T>(cache: Map<string, Promise<T>>, store: ImageStore, key: string, read: () => Promise<T>): Promise<T> {
    let value = cache.get(key);
    if (!value) {
      let limit = this.#limits.get(store.registryKey);
      if (!limit) {
        limit = new Semaphore(this.#concurrency);
        this.#limits.set(store.registryKey, limit);
      }
      value = limit.run(read);
      cache.set(key, value);
    }
    return value;
  }

  /** The manifest at a tag or digest (a tag is read afresh: it is what the check is about). */
  manifest(store: ImageStore, reference: string): Promise<ManifestBlob | undefined> {
    return this.#once(this.#manifests, store, `${store.name}@${reference}`, () => store.getManifest(reference));
  }

  /** Every platform manifest and blob under `manifest` is in the store; what is missing goes to `problems`. */
  async tree(store: ImageStore, manifest: ManifestBlob, problems: string[]): Promise<void> {
    const parsed = parseManifest(manifest);
    await Promise.all([
      ...parsed.manifests.map(async (child) => {
        const found = await this.manifest(store, child.digest);
        if (found) await this.tree(store, found, problems);
        else problems.push(`${store.name}@${child.digest} (platform manifest) is missing`);
      }),
      ...parsed.blobs.map(async (blob) => {
        const present = await this.#once(
          this.#blobs,
          store,
          `${store.name}@${blob.digest}`,
          async () => (await this.#copier.placed(store, blob.digest)) || (await store.headBlob(blob.digest)) !== undefined,
        );
        if (!present) problems.push(`${store.name}: blob ${blob.digest} is missing`);
      }),
    ]);
  }
}

export async function promote(given: PromoteOptions, logger: Logger): Promise<PromoteResult> {
  const opened = new Map<string, ImageStore>();
  const stores = (name: string) => {
    let store = opened.get(name);
    if (!store) {
      store = given.client.store(name);
      opened.set(name, store);
    }
    return store;
  };
  // One spelling per repository (`oci:out` and `oci:./out`, `docker.io/library/x` and `x`): the plan compares names,
  // so two digests for one tag spelt two ways would otherwise both be written.
  const spellings = new Map<string, string>();
  const spelled = (name: string) => {
    const store = stores(name);
    const key = `${store.registryKey}/${store.repository}`;
    if (!spellings.has(key)) spellings.set(key, name);
    return spellings.get(key) as string;
  };
  const options: PromoteOptions = {
    ...given,
    specs: given.specs.map((s) => ({ ...s, source: spelled(s.source), destinations: s.destinations.map(spelled) })),
  };
  const conflicts = tagConflicts(edgesOf(options.specs));
  if (conflicts.length > 0) throw new PlanConflictError(conflicts);

  const sigstore =
    options.signing || (options.verify !== 'none' && options.verifyTrust) ? await import('./sigstore.ts') : undefined;
  const index = new ReferrerIndex();
  // Made before the survey: a confirmed run's survey reads the source manifests the copy then pushes.
  const copier = options.confirm ? new Copier(options.concurrency) : undefined;
  const { observed, manifests: surveyed } = await logger.group('Plan', () => survey(options, stores, index, sigstore, copier));
  const planned = edgesOf(options.specs).map((e) => classify(e, observed, options.allowTagMoves));
  for (const edge of planned)
    logger.info(`${edge.action.padEnd(10)} ${edge.image} ${label(edge)}${edge.error ? ` — ${edge.error}` : ''}`);
  const reports: EdgeReport[] = planned.map((e) => ({
    ...e,
    status: !options.confirm ? 'planned' : e.error ? 'failed' : e.action === 'skip' ? 'skipped' : 'planned',
  }));
  const result: PromoteResult = {
    confirmed: options.confirm,
    edges: reports,
    promoted: 0,
    skipped: 0,
    failed: 0,
    attached: { referrers: 0, signatures: 0, attestations: 0 },
    checks: [],
    transfers: {},
  };
  if (!copier) {
    logger.info('confirm is false: nothing was written (the plan above is what a confirmed run does)');
    return tally(result);
  }

  const fail = (edges: readonly EdgeReport[], error: unknown) => {
    for (const edge of edges) {
      edge.status = 'failed';
      edge.error ??= describeError(error);
    }
  };

  const toWrite = reports.filter((e) => writes(e));
  await logger.group(`Copy (${toWrite.length} edges)`, async () => {
    const progress = new Progress(logger, toWrite.length);
    let logged = 0;
    const outcomes = await settlePool(toWrite, options.concurrency, async (edge) => {
      await promoteEdge(copier, stores, edge);
      edge.status = 'promoted';
      // Blobs are shared between edges: the progress counts the bytes uploaded since the line before.
      const sent = copier.bytesSent;
      progress.tick(`${edge.action} ${label(edge)}`, sent - logged);
      logged = sent;
    });
    for (const outcome of outcomes) if (!outcome.ok) fail([outcome.item], outcome.error);
  });

  // What is attached travels per (destination, digest) that made it there.
  const alive = () => reports.filter((e) => e.status !== 'failed' && e.status !== 'planned');
  const pairs = () => unique(alive(), (e) => `${e.destination}@${e.digest}`);
  const edgesAt = (pair: EdgeReport) => reports.filter((e) => e.destination === pair.destination && e.digest === pair.digest);

  if (options.copyReferrers) {
    await logger.group('Referrers', async () => {
      const outcomes = await settlePool(pairs(), options.concurrency, async (pair) => {
        result.attached.referrers += await copyAttached(
          index,
          copier,
          stores(pair.source),
          stores(pair.destination),
          pair.digest,
        );
      });
      for (const outcome of outcomes) if (!outcome.ok) fail(edgesAt(outcome.item), outcome.error);
    });
  }

  const signing = options.signing;
  if (signing && sigstore) {
    const { attachAttestation, attachSignature, attestImage, checkSignature, hasStatement, promotionStatement, signImage } =
      sigstore;
    await logger.group('Sign', async () => {
      const digests = unique(alive(), (e) => e.digest);
      const outcomes = await settlePool(digests, options.concurrency, async (first) => {
        const targets = pairs().filter((p) => p.digest === first.digest);
        // A keyless signature differs every run: a digest whose every mirror holds one that verifies is not signed again.
        const signed =
          signing.signer.kind === 'keyless' &&
          (await Promise.all(targets.map((p) => checkSignature(stores(p.destination), p.digest, signing.trust, index)))).every(
            (c) => c.status === 'verified',
          );
        if (!signed) {
          // One signature per digest, the same on every destination: never re-signed per mirror.
          const signature = await signImage(signing, first.destination, first.digest);
          for (const pair of targets) {
            const to = stores(pair.destination);
            const subject = await to.headManifest(pair.digest);
            if (!subject) throw new Error(`${to.name}@${pair.digest} vanished before signing`);
            if (await attachSignature(copier, index, to, subject, signature)) result.attached.signatures++;
          }
        }
        if (!options.attest) return;
        for (const pair of targets) {
          const statement = promotionStatement({
            srcRef: `${pair.source}@${pair.digest}`,
            dstRef: `${pair.destination}@${pair.digest}`,
            digest: pair.digest,
            timestamp: options.timestamp,
            builderId: options.builderId,
          });
          const to = stores(pair.destination);
          if (await hasStatement(to, pair.digest, statement, index)) continue;
          const subject = await to.headManifest(pair.digest);
          if (!subject) throw new Error(`${to.name}@${pair.digest} vanished before attesting`);
          if (await attachAttestation(copier, index, to, subject, await attestImage(signing, statement)))
            result.attached.attestations++;
        }
      });
      for (const outcome of outcomes)
        if (!outcome.ok)
          fail(
            reports.filter((e) => e.digest === outcome.item.digest),
            outcome.error,
          );
    });
  }

  // Every mirror pair is walked, skipped ones too (unless check: written): each tag at its digest, every platform
  // manifest and blob there. A manifest the survey read at its tag is not read again, unless this run wrote there.
  const written = new Set(reports.filter((e) => e.status === 'promoted').map((e) => `${stores(e.destination).name}@${e.digest}`));
  const check = new TreeCheck(copier, options.concurrency, new Map([...surveyed].filter(([key]) => !written.has(key))));
  const toCheck = pairs().filter(
    (p) => options.check !== 'written' || signing || edgesAt(p).some((e) => e.status === 'promoted'),
  );
  await logger.group('Check every mirror', async () => {
    const progress = new Progress(logger, toCheck.length);
    const outcomes = await settlePool(toCheck, options.concurrency, async (pair) => {
      const to = stores(pair.destination);
      const problems: string[] = [];
      const tagged = edgesAt(pair).filter((e) => e.tag !== undefined);
      const written = edgesAt(pair).some((e) => e.status === 'promoted');
      // A tag this run wrote is read back (its bytes are walked); one the survey found at its digest stands.
      const [first, ...others] = written ? tagged : [];
      const top = await check.manifest(to, first?.tag ?? pair.digest);
      if (!top) problems.push(`${to.name}${first ? `:${first.tag}` : ''}@${pair.digest} is missing`);
      else if (top.digest !== pair.digest) problems.push(`${to.name}:${first?.tag} is at ${top.digest}, planned ${pair.digest}`);
      else await check.tree(to, top, problems);
      for (const edge of others) {
        const at = (await to.headManifest(edge.tag as string))?.digest;
        if (at !== edge.digest) problems.push(`${to.name}:${edge.tag} is at ${at ?? 'nothing'}, planned ${edge.digest}`);
      }
      const mirror: MirrorCheck = { destination: pair.destination, digest: pair.digest, ok: true, problems };
      if (signing && sigstore) {
        const signature = await sigstore.checkSignature(to, pair.digest, signing.trust, index);
        mirror.signature = signature.status;
        if (signature.status !== 'verified') problems.push(`${to.name}@${pair.digest}: signature ${signature.status}`);
      }
      mirror.ok = problems.length === 0;
      result.checks.push(mirror);
      progress.tick(`${mirror.ok ? 'ok' : 'FAILED'} ${to.name}@${pair.digest}${mirror.ok ? '' : `: ${problems.join('; ')}`}`);
      if (!mirror.ok) fail(edgesAt(pair), new Error(problems.join('; ')));
    });
    for (const outcome of outcomes) if (!outcome.ok) fail(edgesAt(outcome.item), outcome.error);
  });

  result.checks.sort((a, b) => `${a.destination}@${a.digest}`.localeCompare(`${b.destination}@${b.digest}`));
  result.transfers = Object.fromEntries([...copier.stats].sort(([a], [b]) => a.localeCompare(b)));
  return tally(result);
}

function tally(result: PromoteResult): PromoteResult {
  result.promoted = result.edges.filter((e) => e.status === 'promoted').length;
  result.skipped = result.edges.filter((e) => e.status === 'skipped').length;
  result.failed = result.edges.filter((e) => e.status === 'failed' || (e.status === 'planned' && e.error)).length;
  return result;
}
