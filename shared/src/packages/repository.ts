/**
 * The APT and YUM repositories: the new packages added to what `repository-dir` already holds (kept from its
 * indexes, as long as the package file is still there), indexes rebuilt and signed, then written packages first
 * and indexes last.
 */
import { access, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type AptEntry, aptIndexes, parsePackages, type RepoFile } from './apt.ts';
import type { BuiltPackage } from './built.ts';
import type { PgpSigner } from './pgp.ts';
import { type Placement, placeInOrder } from './publish.ts';
import { parseYumEntries, type YumEntry, yumEntry, yumIndexes } from './yum.ts';

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

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function keptAptEntries(options: RepositoryOptions, fresh: ReadonlySet<string>): Promise<AptEntry[]> {
  const indexes: string[] = [];
  if (options.layout === 'flat') indexes.push(path.join(options.root, 'Packages'));
  else {
    const dists = path.join(options.root, 'dists');
    for (const suite of await readdir(dists).catch(() => [] as string[]))
      for (const component of await readdir(path.join(dists, suite)).catch(() => [] as string[]))
        for (const binary of await readdir(path.join(dists, suite, component)).catch(() => [] as string[]))
          if (binary.startsWith('binary-')) indexes.push(path.join(dists, suite, component, binary, 'Packages'));
  }
  const kept = new Map<string, AptEntry>();
  for (const index of indexes) {
    const text = await readOptional(index);
    if (!text) continue;
    for (const entry of parsePackages(text.toString('utf8')))
      if (!fresh.has(entry.filename) && (await exists(path.join(options.root, entry.filename)))) kept.set(entry.filename, entry);
  }
  return [...kept.values()];
}

function debLocation(pkg: BuiltPackage, options: RepositoryOptions): string {
  if (options.layout === 'flat') return `${pkg.arch}/${pkg.fileName}`;
  const initial = pkg.name.startsWith('lib') ? pkg.name.slice(0, 4) : pkg.name[0];
  return `pool/${options.component}/${initial}/${pkg.name}/${pkg.fileName}`;
}

const place = (root: string, files: readonly RepoFile[]): Placement[] =>
  files.map((f) => ({ path: path.join(root, f.path), data: f.data }));

export async function publishApt(
  debs: readonly BuiltPackage[],
  architectures: readonly string[],
  options: RepositoryOptions,
  signer: PgpSigner | undefined,
): Promise<RepositoryResult> {
  const fresh = debs.map((pkg) => ({ pkg, filename: debLocation(pkg, options) }));
  const kept = await keptAptEntries(options, new Set(fresh.map((f) => f.filename)));
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
  return {
    format: 'deb',
    root: options.root,
    packages: entries.length,
    kept: kept.length,
    changed: await placeInOrder(options.root, files),
  };
}

async function keptYumEntries(root: string, fresh: ReadonlySet<string>): Promise<{ entries: YumEntry[]; hrefs: string[] }> {
  const repomd = await readOptional(path.join(root, 'repodata', 'repomd.xml'));
  if (!repomd) return { entries: [], hrefs: [] };
  const hrefs = [...repomd.toString('utf8').matchAll(/<data type="(\w+)">[\s\S]*?<location href="([^"]+)"/g)];
  const doc = async (kind: string) => {
    const href = hrefs.find((h) => h[1] === kind)?.[2];
    const gz = href ? await readOptional(path.join(root, href)) : undefined;
    return gz ? gunzipSync(gz).toString('utf8') : '';
  };
  const all = parseYumEntries(await doc('primary'), await doc('filelists'), await doc('other'));
  const entries: YumEntry[] = [];
  for (const entry of all) if (!fresh.has(entry.location) && (await exists(path.join(root, entry.location)))) entries.push(entry);
  return { entries, hrefs: hrefs.map((h) => h[2] as string) };
}

export async function publishYum(
  rpms: readonly BuiltPackage[],
  options: RepositoryOptions,
  signer: PgpSigner | undefined,
): Promise<RepositoryResult> {
  const fresh = rpms.map((pkg) => ({ pkg, location: `${pkg.arch}/${pkg.fileName}` }));
  const { entries: kept, hrefs: previous } = await keptYumEntries(options.root, new Set(fresh.map((f) => f.location)));
  const entries = [...kept, ...fresh.map(({ pkg, location }) => yumEntry(pkg, location))];
  const indexes = await yumIndexes(entries, Math.floor(options.date.getTime() / 1000), signer);
  const files: Placement[] = [
    ...fresh.map(({ pkg, location }) => ({ path: path.join(options.root, location), data: pkg.data })),
    ...place(options.root, indexes.data),
    ...place(options.root, indexes.index),
  ];
  const changed = await placeInOrder(options.root, files);
  // The generation before this one stays for readers that fetched the old repomd.xml; older ones go.
  const live = new Set([...previous, ...indexes.data.map((f) => f.path)].map((p) => path.basename(p)));
  for (const name of await readdir(path.join(options.root, 'repodata')))
    if (/^[0-9a-f]{64}-\w+\.xml\.gz$/.test(name) && !live.has(name)) await rm(path.join(options.root, 'repodata', name));
  return { format: 'rpm', root: options.root, packages: entries.length, kept: kept.length, changed };
}
