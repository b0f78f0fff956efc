/**
 * update-markers, end to end: check every release is published, move each marker
 * with compare-and-swap (versions in order, never backwards unless allowed),
 * rewrite `<root>/markers.json`, purge the CDN, then read the markers back.
 */
import type { Logger } from '../core/logger.ts';
import { readManifest } from '../manifest/manifest.ts';
import { missingGuarantees } from '../storage/capabilities.ts';
import type { Storage } from '../storage/storage.ts';
import { compareAndSwap } from './cas.ts';
import { type PurgeTarget, purgeCdn } from './cdn-purge.ts';
import { type Decision, decide } from './decide.ts';
import { CompareAndSwapUnavailableError } from './errors.ts';
import { indexKey, updateIndex } from './markers-index.ts';
import { type BuildType, markerKeys } from './names.ts';
import { type Expectation, type ReadBackOptions, readBack } from './read-back.ts';
import { checkReleasePublished } from './release-check.ts';
import type { Version } from './version.ts';

export const CONCURRENCY_GUARDS = ['compare-and-swap', 'none'] as const;
export type ConcurrencyGuard = (typeof CONCURRENCY_GUARDS)[number];

/** Markers must never be cached by a CDN or a browser (as Kubernetes uploads them). */
export const MARKER_CACHE_CONTROL = 'private, max-age=0, no-transform';
export const MARKER_CONTENT_TYPE = 'text/plain';

export interface UpdateMarkersOptions {
  storage: Storage;
  versions: readonly Version[];
  buildType: BuildType;
  root: string;
  fast: boolean;
  extraMarkers: readonly string[];
  allowDowngrade: boolean;
  dryRun: boolean;
  /** Move markers only to releases whose index.json (written last by publish-binaries) is present. */
  requireIndex: boolean;
  /** Path of the release manifest: without requireIndex, tells whether publish-binaries' index.json must exist. */
  manifest?: string;
  purge?: PurgeTarget;
  readBack?: ReadBackOptions;
  /** Compare-and-swap attempts per object. */
  casAttempts?: number;
  /**
   * What keeps two runs from writing at once: the store's compare-and-swap (refused on a store that cannot), or
   * `none` (the workflow's `concurrency:` group; writes are unconditional where the store cannot compare-and-swap).
   */
  concurrencyGuard?: ConcurrencyGuard;
  now?: () => Date;
}

/** One decision on one marker for one of the run's versions. */
export interface MarkerDecision extends Decision {
  key: string;
  version: string;
}

export interface UpdateMarkersResult {
  decisions: MarkerDecision[];
  /** Marker key → its value before the run and after it (only markers that moved). */
  updated: Record<string, { from: string | null; to: string }>;
  /** Marker key → why it was left alone (markers that did not move at all). */
  skipped: Record<string, string>;
  index: { key: string; url: string; written: boolean };
  dryRun: boolean;
}

function describe(d: MarkerDecision): string {
  const arrow = `${d.from ?? '(none)'} → ${d.to}`;
  return d.action === 'skip' ? `skip ${d.key} (${d.reason})` : `${d.action} ${d.key}: ${arrow} (${d.reason})`;
}

/**
 * Each (version, marker) pair in the order they are applied. Rolling back (allow-downgrade), a marker takes only
 * the last of the run's versions that names it: taken through the others too, it would show them on the way and
 * move again on every rerun.
 */
function* markerSteps(options: UpdateMarkersOptions): Generator<{ version: Version; key: string }> {
  const steps = options.versions.flatMap((version) => markerKeys(version, options).map((key) => ({ version, key })));
  const last = new Map(steps.map((step) => [step.key, step]));
  for (const step of steps) if (!options.allowDowngrade || last.get(step.key) === step) yield step;
}

/**
 * Decides every marker from what the store holds now, writing nothing; a later
 * version decides against the value an earlier one would write. Fails on an
 * unreadable marker before anything is written.
 */
async function planMarkers(options: UpdateMarkersOptions, logger: Logger): Promise<MarkerDecision[]> {
  const pending = new Map<string, string>();
  const decisions: MarkerDecision[] = [];
  for (const { version, key } of markerSteps(options)) {
    const content = pending.get(key) ?? (await options.storage.read(key))?.data.toString('utf8');
    const decision = { key, version: version.text, ...decide(key, content, version, options) };
    if (decision.action !== 'skip') pending.set(key, decision.to);
    decisions.push(decision);
    logger.info(`${version.text}: ${describe(decision)}`);
  }
  return decisions;
}

/** Applies every marker with compare-and-swap, re-deciding from the value read on each attempt. */
async function writeMarkers(options: UpdateMarkersOptions, unconditional: boolean, logger: Logger): Promise<MarkerDecision[]> {
  const decisions: MarkerDecision[] = [];
  for (const { version, key } of markerSteps(options)) {
    const { result } = await compareAndSwap(
      options.storage,
      key,
      (content) => {
        const decision = decide(key, content, version, options);
        return { write: decision.action === 'skip' ? undefined : Buffer.from(decision.to), result: decision };
      },
      {
        contentType: MARKER_CONTENT_TYPE,
        cacheControl: MARKER_CACHE_CONTROL,
        ...(options.casAttempts === undefined ? {} : { attempts: options.casAttempts }),
        unconditional,
        onLostRace: (attempt) => logger.info(`${key} changed while being written (attempt ${attempt}): re-reading`),
      },
    );
    const decision = { key, version: version.text, ...result };
    decisions.push(decision);
    if (decision.action === 'downgrade') {
      logger.warning(`DOWNGRADE: ${key} moved backwards from ${decision.from} to ${decision.to} because allow-downgrade is set`);
    }
    logger.info(`${version.text}: ${describe(decision)}`);
  }
  return decisions;
}

/**
 * The markers this run stands behind: those it moved, and those that already held
 * one of its versions. They are purged and read back — also on a rerun, so a rerun
 * after a failed purge or read-back completes it without writing anything. With
 * allow-downgrade only the exact value will do: a rerun after a downgrade whose
 * read-back timed out finds the marker already moved (a skip), and a CDN still
 * serving the newer version must not pass for it.
 */
function ownedMarkers(decisions: readonly MarkerDecision[], allowDowngrade: boolean): Expectation[] {
  const last = new Map<string, MarkerDecision>();
  const owned = new Set<string>();
  const downgraded = new Set<string>();
  for (const d of decisions) {
    last.set(d.key, d);
    if (d.action !== 'skip' || d.from === d.version) owned.add(d.key);
    if (d.action === 'downgrade') downgraded.add(d.key);
  }
  return [...owned].map((key) => ({
    key,
    value: (last.get(key) as MarkerDecision).to,
    exact: allowDowngrade || downgraded.has(key),
  }));
}

/** Per marker over the whole run: its first and last value if it moved, otherwise why it did not. */
function summarize(decisions: readonly MarkerDecision[]): Pick<UpdateMarkersResult, 'updated' | 'skipped'> {
  const updated: UpdateMarkersResult['updated'] = {};
  const skipped: UpdateMarkersResult['skipped'] = {};
  for (const d of decisions) {
    const first = updated[d.key];
    if (d.action !== 'skip') {
      updated[d.key] = { from: first ? first.from : (d.from ?? null), to: d.to };
      delete skipped[d.key];
    } else if (!first) {
      skipped[d.key] = d.reason;
    }
  }
  return { updated, skipped };
}

/**
 * Refuses a store that cannot compare-and-swap unless the user named another guard (concurrency-guard: none);
 * answers whether writes go unconditional.
 */
async function checkGuard(options: UpdateMarkersOptions, logger: Logger): Promise<boolean> {
  const capabilities = await options.storage.capabilities();
  const missing = missingGuarantees(capabilities);
  if (missing.length === 0) return false;
  if (options.concurrencyGuard !== 'none')
    throw new CompareAndSwapUnavailableError(options.storage.location, missing, capabilities.notes);
  logger.warning(
    `${options.storage.location} cannot compare-and-swap (it lacks ${missing.join(' and ')}); writing unconditionally ` +
      "because concurrency-guard is none: the workflow's concurrency: group must keep two runs apart",
  );
  return true;
}

export async function updateMarkers(options: UpdateMarkersOptions, logger: Logger): Promise<UpdateMarkersResult> {
  const { storage, root, fast, dryRun } = options;
  const manifest = options.manifest === undefined ? undefined : await readManifest(options.manifest);
  const key = indexKey(root);
  const index = { key, url: storage.urlFor(key), written: false };

  await logger.group('Check the releases are published', async () => {
    for (const version of options.versions) {
      const dir = await checkReleasePublished(storage, version, { root, fast, manifest, requireIndex: options.requireIndex });
      logger.info(`${version.text}: found at ${storage.location} ${dir}/`);
    }
  });
  const plan = await logger.group(dryRun ? 'Plan (dry run: nothing is written)' : 'Plan', () => planMarkers(options, logger));
  if (dryRun) return { decisions: plan, ...summarize(plan), index, dryRun };
  if (plan.some((d) => d.action === 'downgrade')) {
    logger.warning('allow-downgrade is set and at least one marker will move BACKWARDS (see the plan above)');
  }

  const unconditional = await checkGuard(options, logger);
  const decisions = await logger.group(unconditional ? 'Write markers (unconditional)' : 'Write markers (compare-and-swap)', () =>
    writeMarkers(options, unconditional, logger),
  );
  const { updated, skipped } = summarize(decisions);
  const touched = new Map<string, string | undefined>(decisions.map((d) => [d.key, undefined]));
  for (const [k, v] of Object.entries(updated)) touched.set(k, v.to);

  index.written = await logger.group(`Index ${key}`, async () => {
    const result = await updateIndex({
      storage,
      root,
      touched,
      now: options.now?.() ?? new Date(),
      cacheControl: MARKER_CACHE_CONTROL,
      unconditional,
    });
    if (result.dropped.length > 0)
      logger.warning(
        `${key}: dropped entries naming no marker below ${root} (${result.dropped.map((d) => JSON.stringify(d)).join(', ')}); the index is rebuilt from the markers`,
      );
    logger.info(`${key}: ${result.written ? 'rewritten' : 'unchanged'} (${Object.keys(result.index.markers).length} markers)`);
    return result.written;
  });

  if (Object.keys(updated).length === 0) logger.info('Every marker was already up to date: nothing written');
  const owned = ownedMarkers(decisions, options.allowDowngrade);
  if (options.purge && owned.length > 0) {
    const purge = options.purge;
    const keys = [...owned.map((e) => e.key), key];
    await logger.group('Purge the CDN', () => purgeCdn(purge, keys, logger));
  }
  if (options.readBack && owned.length > 0) {
    const target = options.readBack;
    await logger.group('Read the markers back', () => readBack(target, owned, logger));
  }
  return { decisions, updated, skipped, index, dryRun };
}
