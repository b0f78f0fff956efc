/**
 * What is attached to a digest travels with it. In the source: the referrers API where the store has one, else
 * the OCI referrers tag (`sha256-<hex>`, an index of the referrers), and the cosign tag schema
 * (`sha256-<hex>.sig`, `.att`, `.sbom`). Written the way each destination supports: subject-linked manifests by
 * digest (a registry with the referrers API indexes them itself; one without gets the `sha256-<hex>` index
 * updated), cosign tags as tags — merged with what the destination's tag already holds, so a signature made on a
 * mirror is not dropped.
 */
import { sha256Digest } from '../oci/digest.ts';
import { type Descriptor, type ManifestBlob, MEDIA_TYPE, parseManifest } from '../oci/media-types.ts';
import type { ImageStore } from '../oci/store.ts';
import type { Copier } from './copier.ts';

export const COSIGN_SUFFIXES = ['.sig', '.att', '.sbom'] as const;

export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

export interface Attached {
  /** Manifests whose subject is the digest. */
  linked: Descriptor[];
  /** Cosign tag-schema tags present for the digest. */
  tags: string[];
}

/** Per-store caches: tag lists (one request per repository) and whether a registry has the referrers API. */
export class ReferrerIndex {
  readonly #tags = new Map<string, Promise<Set<string>>>();
  /** Per registry: the first referrers request, whose answer says whether the API is there. */
  readonly #probes = new Map<string, Promise<boolean>>();

  tags(store: ImageStore): Promise<Set<string>> {
    let tags = this.#tags.get(store.name);
    if (!tags) {
      tags = store.listTags().then((list) => new Set(list));
      this.#tags.set(store.name, tags);
      tags.catch(() => this.#tags.delete(store.name));
    }
    return tags;
  }

  /**
   * The referrers API's answer, or undefined without one. Asked once per registry first (the others wait for that
   * answer, so a registry without the API gets one probe, not one per digest in flight), then per digest.
   */
  async referrers(store: ImageStore, digest: string): Promise<Descriptor[] | undefined> {
    const probe = this.#probes.get(store.registryKey);
    if (!probe) {
      const found = store.listReferrers(digest);
      const has = found.then((f) => f !== undefined);
      this.#probes.set(store.registryKey, has);
      has.catch(() => this.#probes.delete(store.registryKey));
      return found;
    }
    return (await probe.catch(() => true)) ? store.listReferrers(digest) : undefined;
  }

  async attached(store: ImageStore, digest: string): Promise<Attached> {
    const tags = await this.tags(store);
    const base = referrersTag(digest);
    let linked = await this.referrers(store, digest);
    if (linked === undefined && tags.has(base)) {
      const index = await store.getManifest(base);
      linked = index ? parseManifest(index).manifests : [];
    }
    return { linked: linked ?? [], tags: COSIGN_SUFFIXES.map((s) => `${base}${s}`).filter((t) => tags.has(t)) };
  }
}

/** A cosign-style manifest with the union of two manifests' layers (the destination's first), config regenerated. */
export async function mergeLayers(
  into: ManifestBlob,
  from: ManifestBlob,
  putConfig: (bytes: Buffer) => Promise<Descriptor>,
): Promise<ManifestBlob | undefined> {
  const target = JSON.parse(into.bytes.toString('utf8')) as { layers?: Descriptor[]; config: Descriptor };
  const added = (JSON.parse(from.bytes.toString('utf8')) as { layers?: Descriptor[] }).layers ?? [];
  const layers = [...(target.layers ?? [])];
  for (const layer of added) if (!layers.some((l) => l.digest === layer.digest && sameAnnotations(l, layer))) layers.push(layer);
  if (layers.length === (target.layers ?? []).length) return undefined;
  const config = await putConfig(cosignConfig(layers));
  const bytes = Buffer.from(JSON.stringify({ ...target, config, layers }));
  return { mediaType: into.mediaType, digest: '', bytes };
}

function sameAnnotations(a: Descriptor, b: Descriptor): boolean {
  return JSON.stringify(a.annotations ?? {}) === JSON.stringify(b.annotations ?? {});
}

/** The image config cosign writes for a signature or attestation manifest. */
export function cosignConfig(layers: readonly Descriptor[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: [{ created: '0001-01-01T00:00:00Z' }],
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
}

/** A config blob written from memory (small), returning its descriptor. */
export async function putSmallBlob(store: ImageStore, mediaType: string, bytes: Buffer): Promise<Descriptor> {
  const digest = sha256Digest(bytes);
  if ((await store.headBlob(digest)) === undefined)
    await store.putBlob(digest, bytes.length, async () =>
      (async function* () {
        yield bytes;
      })(),
    );
  return { mediaType, digest, size: bytes.length };
}

/** Puts `manifest` under a cosign tag, merged with what the tag holds already. Returns whether it wrote. */
export async function putCosignTag(copier: Copier, to: ImageStore, tag: string, manifest: ManifestBlob): Promise<boolean> {
  const current = await to.getManifest(tag);
  if (current?.digest === manifest.digest) return false;
  const next = current
    ? await mergeLayers(current, manifest, (bytes) => putSmallBlob(to, MEDIA_TYPE.ociConfig, bytes))
    : manifest;
  if (!next) return false;
  await copier.tag(to, tag, next);
  return true;
}

/** Copies what is attached to `digest` from one store to another. Returns how many manifests it wrote. */
export async function copyAttached(
  index: ReferrerIndex,
  copier: Copier,
  from: ImageStore,
  to: ImageStore,
  digest: string,
): Promise<number> {
  const attached = await index.attached(from, digest);
  let written = 0;
  for (const descriptor of attached.linked) {
    if (await to.headManifest(descriptor.digest)) continue;
    await copier.copy(from, to, descriptor.digest, true);
    written++;
  }
  if (attached.linked.length > 0 && (await index.referrers(to, digest)) === undefined)
    written += (await updateReferrersTag(copier, to, digest, attached.linked)) ? 1 : 0;
  for (const tag of attached.tags) {
    const manifest = await copier.manifest(from, tag);
    if (!manifest) continue;
    // The layers first (a merge names them), then the tag.
    await copier.copy(from, to, manifest.digest);
    if (await putCosignTag(copier, to, tag, manifest)) written++;
  }
  return written;
}

/** The OCI 1.1 fallback for a store without the referrers API: the `sha256-<hex>` tag holds an index of them. */
async function updateReferrersTag(copier: Copier, to: ImageStore, digest: string, linked: Descriptor[]): Promise<boolean> {
  const tag = referrersTag(digest);
  const current = await to.getManifest(tag);
  const manifests = current ? parseManifest(current).manifests : [];
  const missing = linked.filter((d) => !manifests.some((m) => m.digest === d.digest));
  if (missing.length === 0) return false;
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: [...manifests, ...missing] }),
  );
  await copier.tag(to, tag, { mediaType: MEDIA_TYPE.ociIndex, digest: '', bytes });
  return true;
}
