/**
 * What to promote, from kpromo's manifests or the inline inputs, as one list of `ImageSpec`s: a source repository,
 * a digest, its tags and the destination repositories. kpromo's two forms:
 * - plain: one file with `registries:` (name, src: true on exactly one, service-account) and `images:`
 *   (name, dmap: {digest: [tags]});
 * - thin: a folder with `manifests/<sub>/promoter-manifest.yaml` (registries) and `images/<sub>/images.yaml`
 *   (the images list).
 * Every problem names the file, the image, the field and, where the YAML gives one, the line.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { DIGEST_PATTERN, parseReference, REPOSITORY_PATTERN, TAG_PATTERN } from '../oci/reference.ts';
import { PromotionSpecError } from './errors.ts';

export interface ImageSpec {
  /** The image's name as the manifest or input gives it (for messages and the plan). */
  image: string;
  /** Source repository: `host/repo` or `oci:path`. */
  source: string;
  digest: string;
  tags: string[];
  /** Destination repositories. */
  destinations: string[];
  /** Where it was declared, for messages. */
  origin: string;
}

interface Context {
  file: string;
  lines: LineCounter;
}

function lineOf(ctx: Context, node: Node | null | undefined): number | undefined {
  // Stryker disable next-line OptionalChaining: every node the parser made has a range
  const offset = node?.range?.[0];
  // Stryker disable next-line ConditionalExpression: linePos(undefined) is line 0, which messages leave out as undefined
  return offset === undefined ? undefined : ctx.lines.linePos(offset).line;
}

function fail(ctx: Context, node: Node | null | undefined, field: string, problem: string, image?: string): never {
  throw new PromotionSpecError({ file: ctx.file, field, image, line: lineOf(ctx, node) }, problem);
}

function parseYaml(file: string, text: string): { ctx: Context; root: Node | null } {
  const lines = new LineCounter();
  const ctx = { file, lines };
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    // Stryker disable next-line OptionalChaining: with a LineCounter every YAML error has its linePos
    const line = error.linePos?.[0]?.line;
    throw new PromotionSpecError({ file, field: 'yaml', line }, `malformed YAML: ${error.message.split('\n')[0]}`);
  }
  return { ctx, root: doc.contents };
}

function mapOf(ctx: Context, node: Node | null | undefined, field: string, allowed: readonly string[], image?: string) {
  if (!isMap(node)) fail(ctx, node, field, 'expected a mapping', image);
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!allowed.includes(key))
      fail(ctx, pair.key as Node, `${field}.${key}`, `unknown key (expected ${allowed.join(', ')})`, image);
  }
  return node as YAMLMap<unknown, unknown>;
}

function scalar(ctx: Context, map: YAMLMap<unknown, unknown>, key: string, field: string, image?: string): string | undefined {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return undefined;
  if (!isScalar(node) || typeof node.value !== 'string' || node.value === '')
    fail(ctx, node, `${field}.${key}`, 'expected a non-empty string', image);
  return node.value;
}

interface Registry {
  name: string;
  src: boolean;
}

function parseRegistries(ctx: Context, node: Node | null | undefined): { source: string; destinations: string[] } {
  if (!isSeq(node) || node.items.length === 0) fail(ctx, node, 'registries', 'expected a non-empty list of registries');
  const registries: (Registry & { node: Node })[] = node.items.map((item, i) => {
    const field = `registries[${i}]`;
    const map = mapOf(ctx, item as Node, field, ['name', 'src', 'service-account']);
    const name = scalar(ctx, map, 'name', field);
    if (!name) fail(ctx, item as Node, `${field}.name`, 'is required');
    const src = map.get('src', true) as Node | undefined;
    if (src !== undefined && !(isScalar(src) && typeof src.value === 'boolean'))
      fail(ctx, src, `${field}.src`, 'expected true or false');
    scalar(ctx, map, 'service-account', field);
    checkRepository(ctx, map.get('name', true) as Node, `${field}.name`, name);
    return { name, src: src !== undefined && (src as { value: boolean }).value, node: item as Node };
  });
  const sources = registries.filter((r) => r.src);
  if (sources.length !== 1)
    fail(ctx, sources[1]?.node ?? node, 'registries.src', `exactly one registry must have src: true, found ${sources.length}`);
  return {
    source: (sources[0] as Registry).name,
    destinations: registries.filter((r) => !r.src).map((r) => r.name),
  };
}

/** A registry's name: a repository prefix (`host/path` or `oci:folder`), without tag or digest. */
function checkRepository(ctx: Context, node: Node, field: string, name: string): void {
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(name);
  } catch (err) {
    fail(ctx, node, field, (err as Error).message);
  }
  if (ref.tag || ref.digest) fail(ctx, node, field, `${JSON.stringify(name)} is a repository prefix: no tag or digest`);
}

function parseImages(
  ctx: Context,
  node: Node | null | undefined,
  registries: { source: string; destinations: string[] },
): ImageSpec[] {
  if (node === null || node === undefined) return [];
  if (!isSeq(node)) fail(ctx, node, 'images', 'expected a list of images');
  return node.items.flatMap((item, i) => {
    const field = `images[${i}]`;
    const map = mapOf(ctx, item as Node, field, ['name', 'dmap']);
    const name = scalar(ctx, map, 'name', field);
    if (!name) fail(ctx, item as Node, `${field}.name`, 'is required');
    // Appended to every registry's name (and to an oci: folder's path): lower-case path components, no `..`.
    if (!REPOSITORY_PATTERN.test(name))
      fail(
        ctx,
        map.get('name', true) as Node,
        `${field}.name`,
        'must be lower-case path components (a-z, 0-9, separators . _ -)',
      );
    const dmap = map.get('dmap', true) as Node | undefined;
    if (!isMap(dmap)) fail(ctx, dmap ?? (item as Node), `${field}.dmap`, 'expected a mapping of digest to tags', name);
    return dmap.items.map((pair) => {
      const digest = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!DIGEST_PATTERN.test(digest))
        fail(
          ctx,
          pair.key as Node,
          `${field}.dmap`,
          `digest ${JSON.stringify(digest)} must match ${DIGEST_PATTERN.source}`,
          name,
        );
      // `digest:` (a null scalar) lists no tags, as `? digest` does and as a nil list does in kpromo.
      const tagsNode = isScalar(pair.value) && pair.value.value === null ? null : (pair.value as Node | null);
      if (tagsNode !== null && !isSeq(tagsNode)) fail(ctx, tagsNode, `${field}.dmap.${digest}`, 'expected a list of tags', name);
      const tags = (tagsNode?.items ?? []).map((t) => {
        const tag = isScalar(t) ? String(t.value) : '';
        if (!TAG_PATTERN.test(tag))
          fail(ctx, t as Node, `${field}.dmap.${digest}`, `tag ${JSON.stringify(tag)} must match ${TAG_PATTERN.source}`, name);
        return tag;
      });
      return {
        image: name,
        source: `${registries.source}/${name}`,
        digest,
        tags,
        destinations: registries.destinations.map((d) => `${d}/${name}`),
        origin: ctx.file,
      };
    });
  });
}

/** A plain kpromo manifest: registries and images in one file. */
export function parsePlainManifest(file: string, text: string): ImageSpec[] {
  const { ctx, root } = parseYaml(file, text);
  const map = mapOf(ctx, root, 'manifest', ['registries', 'images']);
  const registries = parseRegistries(ctx, map.get('registries', true) as Node);
  return parseImages(ctx, map.get('images', true) as Node, registries);
}

/** A thin manifest pair: the registries of promoter-manifest.yaml, the images of images.yaml. */
export function parseThinManifest(
  manifestFile: string,
  manifestText: string,
  imagesFile: string,
  imagesText: string,
): ImageSpec[] {
  const { ctx, root } = parseYaml(manifestFile, manifestText);
  // Images listed here would be ignored for images.yaml's: refused instead.
  const map = mapOf(ctx, root, 'manifest', ['registries']);
  const registries = parseRegistries(ctx, map.get('registries', true) as Node);
  const images = parseYaml(imagesFile, imagesText);
  return parseImages(images.ctx, images.root, registries);
}

/**
 * Reads `manifests` paths (relative names are how messages show them): a file is a plain manifest, a folder a
 * thin tree (`manifests/<sub>/promoter-manifest.yaml` with `images/<sub>/images.yaml`).
 */
export async function readManifests(paths: readonly string[], resolve: (p: string) => string): Promise<ImageSpec[]> {
  const specs: ImageSpec[] = [];
  /** A file the manifests need: one that cannot be read is an error naming it. */
  const read = (file: string, shown: string) =>
    readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new PromotionSpecError({ file: shown, field: 'manifests' }, `cannot be read (${err.code ?? err.message})`);
    });
  for (const shown of paths) {
    const full = resolve(shown);
    const found = await stat(full).catch((err: NodeJS.ErrnoException) => {
      throw new PromotionSpecError({ file: shown, field: 'manifests' }, `no such file or folder (${err.code ?? err.message})`);
    });
    if (found.isFile()) {
      specs.push(...parsePlainManifest(shown, await read(full, shown)));
      continue;
    }
    // As kpromo: a sub-folder (or a file) without promoter-manifest.yaml is no manifest; one with it needs its
    // images.yaml (a misspelt images folder would otherwise promote nothing, unsaid); a tree needs one at least.
    let manifests = 0;
    for (const sub of (await readdir(path.join(full, 'manifests')).catch(() => [] as string[])).sort()) {
      const manifestPath = path.join(full, 'manifests', sub, 'promoter-manifest.yaml');
      if (!(await stat(manifestPath).catch(() => undefined))) continue;
      manifests++;
      const manifestFile = path.posix.join(shown, 'manifests', sub, 'promoter-manifest.yaml');
      const imagesFile = path.posix.join(shown, 'images', sub, 'images.yaml');
      const manifestText = await read(manifestPath, manifestFile);
      const imagesText = await read(path.join(full, 'images', sub, 'images.yaml'), imagesFile);
      specs.push(...parseThinManifest(manifestFile, manifestText, imagesFile, imagesText));
    }
    if (manifests === 0)
      throw new PromotionSpecError(
        { file: shown, field: 'manifests' },
        'a thin manifest folder needs manifests/<name>/promoter-manifest.yaml',
      );
  }
  return specs;
}

/**
 * The inline form: `images` pinned by digest, every one to every destination under every tag. As in kpromo, a
 * destination is a prefix: the image's last path component is appended to it.
 */
export function inlineSpecs(images: readonly string[], destinations: readonly string[], tags: readonly string[]): ImageSpec[] {
  for (const tag of tags)
    if (!TAG_PATTERN.test(tag))
      throw new PromotionSpecError(
        { file: 'tags', field: 'tags' },
        `tag ${JSON.stringify(tag)} must match ${TAG_PATTERN.source}`,
      );
  for (const destination of destinations) {
    try {
      const ref = parseReference(destination);
      if (ref.digest || ref.tag) throw new Error('a destination is a repository, without tag or digest');
    } catch (err) {
      throw new PromotionSpecError({ file: 'destinations', field: 'destinations' }, (err as Error).message);
    }
  }
  return images.map((image) => {
    let ref: ReturnType<typeof parseReference>;
    try {
      ref = parseReference(image);
    } catch (err) {
      throw new PromotionSpecError({ file: 'images', field: 'images', image }, (err as Error).message);
    }
    if (!ref.digest)
      throw new PromotionSpecError({ file: 'images', field: 'images', image }, 'must be pinned by digest (…@sha256:<64 hex>)');
    const source = ref.kind === 'layout' ? `oci:${ref.path}` : `${ref.registry}/${ref.repository}`;
    const name = ref.kind === 'layout' ? path.posix.basename(ref.path) : (ref.repository.split('/').pop() as string);
    return {
      image: name,
      source,
      digest: ref.digest,
      tags: [...tags, ...(ref.tag ? [ref.tag] : [])],
      destinations: destinations.map((d) => `${d.replace(/\/+$/, '')}/${name}`),
      origin: 'images',
    };
  });
}
