/**
 * The APT and YUM repositories: the new packages added to what `repository-dir` already holds (kept from its
 * indexes once they verify, as long as the package file is still there), indexes rebuilt and signed — every
 * repository prepared before any is written — then written packages first and indexes last.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { type AptEntry, aptIndexes, byHashPaths, type RepoFile } from './apt.ts';
import type { BuiltPackage } from './built.ts';
import { keptAptEntries, keptYumEntries } from './kept.ts';
import type { PgpSigner } from './pgp.ts';
import { type Placement, placeInOrder } from './publish.ts';
import { yumEntry, yumIndexes } from './yum.ts';

export type Layout = 'flat' | 'dists';

export interface RepositoryOptions {
  /** The folder the repository is written in (flat: `<channel>/<minor>/deb`). */
  root: string;
  layout: Layout;
  suite: string;
  component: string;
  date: Date;
  origin: string;
  label: string;
}

export interface RepositoryResult {
  format: 'deb' | 'rpm';
  root: string;
  packages: number;
  kept: number;
  changed: string[];
}

/** A repository ready to write: its files in the order they are moved into place. */
export interface RepositoryPlan extends Omit<RepositoryResult, 'changed'> {
  files: Placement[];
  /**
   * Index files a reader of this generation or the one before may still fetch (YUM's repodata, APT's by-hash copies):
   * once the plan is placed, files in `dirs` that match `pattern` and are not `live` are removed.
   */
  prune?: { dirs: readonly string[]; pattern: RegExp; live: ReadonlySet<string> };
}

function debLocation(pkg: BuiltPackage, options: RepositoryOptions): string {
  if (options.layout === 'flat') return `${pkg.arch}/${pkg.fileName}`;
  const initial = pkg.name.startsWith('lib') ? pkg.name.slice(0, 4) : pkg.name[0];
  return `pool/${options.component}/${initial}/${pkg.name}/${pkg.fileName}`;
}

const place = (root: string, files: readonly RepoFile[]): Placement[] =>
  files.map((f) => ({ path: path.join(root, f.path), data: f.data }));

/** The APT repository with `debs` added, verified and signed, nothing written yet. */
export async function planApt(
  debs: readonly BuiltPackage[],
  architectures: readonly string[],
  options: RepositoryOptions,
  signer: PgpSigner | undefined,
): Promise<RepositoryPlan> {
  const fresh = debs.map((pkg) => ({ pkg, filename: debLocation(pkg, options) }));
  const suite = options.layout === 'flat' ? undefined : options.suite;
  const { entries: kept, release: previous } = await keptAptEntries(
    options.root,
    suite,
    new Set(fresh.map((f) => f.filename)),
    signer,
  );
  const entries: AptEntry[] = [
    ...kept,
    ...fresh.map(({ pkg, filename }) => ({ filename, control: pkg.control as string, size: pkg.data.length, data: pkg.data })),
  ];
  const indexes = await aptIndexes(entries, { ...options, architectures: [...architectures] }, signer);
  const base = path.join(options.root, indexes.base);
  const files: Placement[] = [
    ...fresh.map(({ pkg, filename }) => ({ path: path.join(options.root, filename), data: pkg.data })),
    ...place(base, indexes.data),
    ...(signer ? [{ path: path.join(options.root, 'Release.key'), data: signer.publicKey }] : []),
    ...place(base, indexes.release),
  ];
  const release = indexes.release.find((f) => f.path === 'Release')?.data as string;
  const live = [...byHashPaths(release), ...(previous ? byHashPaths(previous) : [])].map((p) => path.join(base, p));
  const prune = {
    dirs: [...new Set(live.map((p) => path.dirname(p)))],
    pattern: /^[0-9a-f]{64}([0-9a-f]{64})?$/,
    live: new Set(live),
  };
  return { format: 'deb', root: options.root, packages: entries.length, kept: kept.length, files, prune };
}

/** The YUM repository with `rpms` added, verified and signed, nothing written yet. */
export async function planYum(
  rpms: readonly BuiltPackage[],
  options: RepositoryOptions,
  signer: PgpSigner | undefined,
): Promise<RepositoryPlan> {
  const fresh = rpms.map((pkg) => ({ pkg, location: `${pkg.arch}/${pkg.fileName}` }));
  const { entries: kept, hrefs: previous } = await keptYumEntries(options.root, new Set(fresh.map((f) => f.location)), signer);
  const entries = [...kept, ...fresh.map(({ pkg, location }) => yumEntry(pkg, location))];
  const indexes = await yumIndexes(entries, Math.floor(options.date.getTime() / 1000), signer);
  const files: Placement[] = [
    ...fresh.map(({ pkg, location }) => ({ path: path.join(options.root, location), data: pkg.data })),
    ...place(options.root, indexes.data),
    ...place(options.root, indexes.index),
  ];
  // The generation before this one stays for readers that fetched the old repomd.xml; older ones go.
  const live = new Set(
    [...previous, ...indexes.data.map((f) => f.path)].map((p) => path.join(options.root, 'repodata', path.basename(p))),
  );
  const prune = { dirs: [path.join(options.root, 'repodata')], pattern: /^[0-9a-f]{64}-\w+\.xml\.gz$/, live };
  return { format: 'rpm', root: options.root, packages: entries.length, kept: kept.length, files, prune };
}

/** Moves a planned repository into place (indexes last), then removes the index files no reader needs any more. */
export async function writeRepository({ files, prune, ...result }: RepositoryPlan): Promise<RepositoryResult> {
  const changed = await placeInOrder(result.root, files);
  for (const dir of prune?.dirs ?? [])
    for (const name of await readdir(dir).catch(() => [] as string[]))
      if (prune?.pattern.test(name) && !prune.live.has(path.join(dir, name))) await rm(path.join(dir, name));
  return { ...result, changed };
}
