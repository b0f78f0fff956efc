/**
 * generate-sbom: plan (expand the globs, check the image references) → act
 * (inspect every file and image, build both documents in memory) → verify (each
 * document checked against its schema) → write, and only then record them in the
 * release manifest. A document whose bytes are already on disk is left alone, so a
 * rerun changes nothing and says so.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import packageJson from '../../../package.json' with { type: 'json' };
import { InputError } from '../core/errors.ts';
import { writeIfChanged } from '../core/files.ts';
import type { Logger } from '../core/logger.ts';
import { Progress } from '../core/logger.ts';
import { expandGlobs, resolveSafeSync, toPosix } from '../core/paths.ts';
import { mapPool } from '../core/pool.ts';
import { recordProduced, updateManifest } from '../manifest/manifest.ts';
import { formatReference, type ImageReference } from '../oci/reference.ts';
import { OWN_OUTPUTS } from '../sign/subjects.ts';
import type { AnalysisCache } from './cache.ts';
import { writeCycloneDx } from './cyclonedx.ts';
import { inspectImage, type OpenRepository } from './images.ts';
import { inspectFile } from './inspect.ts';
import { type DocumentMeta, type Inventory, type SbomNode, walk, withUniqueIds } from './model.ts';
import { writeSpdx } from './spdx.ts';

export type SbomFormat = 'cyclonedx' | 'spdx' | 'both';

export interface GenerateSbomOptions {
  workspace: string;
  /** Globs relative to the workspace. */
  files: readonly string[];
  /** Folder (relative to the workspace) the files are named from in the documents: `release` names `release/bin/…` `bin/…`. */
  baseDir?: string;
  exclude: readonly string[];
  /** Image references by digest (registry or `oci:` layout). */
  images: readonly ImageReference[];
  format: SbomFormat;
  /** Relative to the workspace. */
  outputDir: string;
  name: string;
  version: string;
  supplier?: string;
  namespace: string;
  /** The release manifest (relative to the workspace, or absolute). */
  manifest?: string;
  created: Date;
  /** Opens a repository for `images` (the OCI client). */
  openRepository?: OpenRepository;
  cache?: AnalysisCache;
  /** Files inspected at once (their hashing is shared by the hashing workers). */
  concurrency?: number;
}

export interface SbomFileRow {
  path: string;
  size: number;
  sha256: string;
  kind: string;
}

export interface GenerateSbomResult {
  /** Documents, relative to the workspace. */
  sboms: string[];
  /** Written, or unchanged (the same bytes were there). */
  status: Record<string, 'written' | 'unchanged'>;
  components: number;
  goModules: number;
  files: SbomFileRow[];
  images: { reference: string; digest: string; platforms: number; layers: number }[];
  warnings: string[];
}

export const TOOL_NAME = 'release-actions-generate-sbom';
export const TOOL_VERSION: string = packageJson.version;

const byId = (a: SbomNode, b: SbomNode) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function describe(node: SbomNode): string {
  const inner = node.contains[0];
  if (inner?.kind === 'go-module') return `Go binary (${node.properties.find((p) => p.name === 'go:version')?.value})`;
  if (inner?.kind === 'archive-member') return `tarball (${node.contains.length} files)`;
  if (inner?.kind === 'deb' || inner?.kind === 'rpm') return `${inner.kind} ${inner.name} ${inner.version}`;
  return 'file';
}

export async function generateSbom(options: GenerateSbomOptions, logger: Logger): Promise<GenerateSbomResult> {
  // Normalised (no ./, no trailing /): these names are also what the globs' results are excluded by.
  const names = [
    ...(options.format !== 'spdx' ? [path.posix.join(options.outputDir, `${options.name}.cdx.json`)] : []),
    ...(options.format !== 'cyclonedx' ? [path.posix.join(options.outputDir, `${options.name}.spdx.json`)] : []),
  ];
  const cache = options.cache ? [`${toPosix(path.relative(options.workspace, options.cache.dir))}/**`] : [];
  // Written: a symlink on the way may not lead out of the workspace.
  for (const name of names) resolveSafeSync(options.workspace, name);
  // The documents of an earlier run, the analysis cache's entries, and the checksums and signatures sign-artifacts made
  // of the release's files, are not part of the release they describe: a rerun over a signed tree describes the same
  // files, in the same bytes.
  const files =
    options.files.length === 0
      ? []
      : await expandGlobs(options.workspace, options.files, {
          exclude: [...options.exclude, ...names, ...cache, ...OWN_OUTPUTS],
          input: 'files',
        });
  if (options.images.length > 0 && !options.openRepository) throw new Error('images given without a repository opener');

  const base = (options.baseDir ?? '').replace(/^\.\/?|\/+$/g, '');
  const named = (relative: string) => {
    if (!base) return relative;
    if (!relative.startsWith(`${base}/`))
      throw new InputError('files', `${relative} is outside base-dir ${base}`, { userError: true });
    return relative.slice(base.length + 1);
  };
  for (const f of files) named(f);
  const warnings: string[] = [];
  const goDeps = new Map<string, SbomNode>();
  const dependsOn = new Map<string, Set<string>>();
  const nodes: SbomNode[] = [];
  const rows: SbomFileRow[] = [];
  await logger.group(`Inspecting ${files.length} files`, async () => {
    const progress = new Progress(logger, files.length);
    const inspected = await mapPool(files, options.concurrency ?? 8, async (relative) => {
      const absolute = path.join(options.workspace, relative);
      const found = await inspectFile(absolute, named(relative), {
        version: options.version,
        ...(options.cache ? { cache: options.cache } : {}),
      });
      progress.tick(`${relative}: ${describe(found.node)}`, found.node.size);
      return found;
    });
    for (const found of inspected) {
      nodes.push(found.node);
      warnings.push(...found.warnings);
      const main = found.node.contains.find((c) => c.kind === 'go-module');
      for (const dep of found.goDeps) {
        if (!goDeps.has(dep.id)) goDeps.set(dep.id, dep);
        if (main) {
          const set = dependsOn.get(main.id) ?? new Set();
          set.add(dep.id);
          dependsOn.set(main.id, set);
        }
      }
      rows.push({
        path: base ? `${base}/${found.node.name}` : found.node.name,
        size: found.node.size ?? 0,
        sha256: found.node.checksums?.sha256 ?? '',
        kind: describe(found.node),
      });
    }
  });
  for (const w of warnings) logger.warning(w);

  const images: GenerateSbomResult['images'] = [];
  if (options.images.length > 0) {
    await logger.group(`Reading ${options.images.length} images`, async () => {
      for (const ref of options.images) {
        const text = formatReference(ref);
        const node = await inspectImage(ref, text, options.openRepository as OpenRepository);
        const all = [...walk([node])];
        images.push({
          reference: text,
          digest: ref.digest ?? '',
          platforms: all.filter((n) => n.kind === 'image').length,
          layers: all.filter((n) => n.kind === 'layer').length,
        });
        logger.info(`${text}: ${images.at(-1)?.platforms} platform images, ${images.at(-1)?.layers} layers`);
        nodes.push(node);
      }
    });
  }

  nodes.push(...goDeps.values());
  const unique = new Map(nodes.map((n) => [n.id, n]));
  const inventory: Inventory = {
    name: options.name,
    version: options.version,
    ...(options.supplier ? { supplier: options.supplier } : {}),
    nodes: withUniqueIds([...unique.values()].sort(byId)),
    dependsOn: new Map([...dependsOn].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
  const meta: DocumentMeta = {
    toolName: TOOL_NAME,
    toolVersion: TOOL_VERSION,
    created: options.created,
    namespace: options.namespace,
  };
  const documents = new Map<string, string>();
  for (const name of names)
    documents.set(name, name.endsWith('.cdx.json') ? await writeCycloneDx(inventory, meta) : writeSpdx(inventory, meta));

  const status: GenerateSbomResult['status'] = {};
  await mkdir(path.join(options.workspace, options.outputDir), { recursive: true });
  for (const [name, text] of documents)
    status[name] = writeIfChanged(path.join(options.workspace, name), text) ? 'written' : 'unchanged';
  for (const [name, s] of Object.entries(status)) logger.info(`${name}: ${s}`);
  if (Object.values(status).every((s) => s === 'unchanged'))
    logger.info('Every document already held these bytes: nothing was written');

  if (options.manifest) {
    const sboms = [...documents.keys()];
    await updateManifest(path.resolve(options.workspace, options.manifest), (manifest) => {
      for (const node of inventory.nodes) {
        if (node.kind !== 'file') continue;
        // Subjects are named from the workspace, as every stage names them.
        const subjectPath = base ? `${base}/${node.name}` : node.name;
        let subject = manifest.files.find((s) => s.path === subjectPath);
        if (!subject) {
          subject = {
            path: subjectPath,
            size: node.size ?? 0,
            sha256: node.checksums?.sha256 ?? '',
            sha512: node.checksums?.sha512 ?? '',
          };
          manifest.files.push(subject);
        }
        recordProduced(subject, 'sboms', sboms);
      }
      for (const image of images) {
        let subject = manifest.images.find((s) => s.reference === image.reference);
        if (!subject) {
          subject = { reference: image.reference, digest: image.digest };
          manifest.images.push(subject);
        }
        recordProduced(subject, 'sboms', sboms);
      }
      return manifest;
    });
  }

  const all = [...walk(inventory.nodes)];
  return {
    sboms: [...documents.keys()],
    status,
    components: all.length,
    goModules: all.filter((n) => n.kind === 'go-module').length,
    files: rows,
    images,
    warnings,
  };
}
