/**
 * Copies images by digest between stores, byte for byte: an index's platform manifests, then each manifest's
 * blobs, then the manifest, the tag last. Each blob is HEADed before it is sent and crosses the wire at most once
 * per destination registry: a blob already in another repository of that registry is mounted from it. Blobs
 * stream from source to destination (flat memory whatever their size), at most `concurrency` source blobs at once;
 * the registries asking for one blob while it waits for its turn are sent it together, from one read.
 */
import { type ManifestBlob, parseManifest } from '../oci/media-types.ts';
import type { ImageStore } from '../oci/store.ts';
import { Semaphore } from './semaphore.ts';
import { SharedRead } from './shared-read.ts';

export interface TransferStats {
  /** Bytes of blobs uploaded. */
  bytes: number;
  uploads: number;
  mounts: number;
  manifests: number;
}

export class Copier {
  readonly #blobs: Semaphore;
  /** `${registryKey}@${digest}` → the store the blob is (being) put in first. */
  readonly #placed = new Map<string, Promise<ImageStore>>();
  /** `${store.name}@${digest}` → the blob made present in that repository (one HEAD, mount or upload each). */
  readonly #present = new Map<string, Promise<void>>();
  readonly #manifests = new Map<string, Promise<ManifestBlob | undefined>>();
  readonly #copies = new Map<string, Promise<string | undefined>>();
  /** `${source.name}@${digest}` → the read that uploads starting together share (one GET for every mirror). */
  readonly #reads = new Map<string, SharedRead>();
  /** `${source.name}@${digest}` → the first placings in each registry still waiting for a turn: they start together. */
  readonly #turns = new Map<string, (() => Promise<void>)[]>();
  /** Per destination registry. */
  readonly stats = new Map<string, TransferStats>();

  constructor(concurrency: number) {
    this.#blobs = new Semaphore(concurrency);
  }

  /** Bytes of blobs uploaded so far, to every registry. */
  get bytesSent(): number {
    let bytes = 0;
    for (const stats of this.stats.values()) bytes += stats.bytes;
    return bytes;
  }

  #stats(store: ImageStore): TransferStats {
    let stats = this.stats.get(store.registryKey);
    if (!stats) {
      stats = { bytes: 0, uploads: 0, mounts: 0, manifests: 0 };
      this.stats.set(store.registryKey, stats);
    }
    return stats;
  }

  /** A source manifest, read once per run. */
  manifest(store: ImageStore, reference: string): Promise<ManifestBlob | undefined> {
    const key = `${store.name}@${reference}`;
    let manifest = this.#manifests.get(key);
    if (!manifest) {
      manifest = store.getManifest(reference);
      this.#manifests.set(key, manifest);
      manifest.catch(() => this.#manifests.delete(key));
    }
    return manifest;
  }

  /**
   * Copies the manifest `digest` and everything under it; `known` skips the HEAD (the survey found it absent). A
   * top manifest is pushed under its first `tag` (its digest resolves then too: one request, not two); the
   * promise says which tag it went under, if any.
   */
  copy(from: ImageStore, to: ImageStore, digest: string, known = false, tag?: string): Promise<string | undefined> {
    const key = `${to.name}@${digest}`;
    let copy = this.#copies.get(key);
    if (!copy) {
      copy = this.#copy(from, to, digest, known, tag);
      this.#copies.set(key, copy);
      copy.catch(() => this.#copies.delete(key));
    }
    return copy;
  }

  async #copy(from: ImageStore, to: ImageStore, digest: string, known: boolean, tag?: string): Promise<string | undefined> {
    if (!known && (await to.headManifest(digest))) return undefined;
    const manifest = await this.manifest(from, digest);
    if (!manifest) throw new Error(`${from.name}@${digest} is not in the source`);
    const parsed = parseManifest(manifest);
    await Promise.all([
      ...parsed.manifests.map((child) => this.copy(from, to, child.digest)),
      ...parsed.blobs.map((blob) => this.blob(from, to, blob.digest, blob.size)),
    ]);
    await to.putManifest(tag ?? digest, manifest);
    this.#stats(to).manifests++;
    return tag;
  }

  /** Whether this run saw the blob in `to` (a HEAD, a mount or an upload the registry acknowledged). */
  async placed(to: ImageStore, digest: string): Promise<boolean> {
    const present = this.#present.get(`${to.name}@${digest}`);
    return (
      present !== undefined &&
      (await present.then(
        () => true,
        () => false,
      ))
    );
  }

  /** Puts a manifest's exact bytes under a tag (after its content is in place). */
  async tag(to: ImageStore, tag: string, manifest: ManifestBlob): Promise<void> {
    await to.putManifest(tag, manifest);
    this.#stats(to).manifests++;
  }

  /**
   * Makes the blob present in `to`: already there, mounted from where this run put it (or the source), or sent.
   * Once per repository: two manifests sharing a layer must not mount it twice at once (docker-registry rewrites
   * the repository's link file in place, and a manifest PUT reading it meanwhile is refused: blob unknown).
   */
  blob(from: ImageStore, to: ImageStore, digest: string, size: number): Promise<void> {
    const key = `${to.name}@${digest}`;
    let present = this.#present.get(key);
    if (!present) {
      present = this.#blob(from, to, digest, size);
      this.#present.set(key, present);
      present.catch(() => this.#present.delete(key));
    }
    return present;
  }

  #blob(from: ImageStore, to: ImageStore, digest: string, size: number): Promise<void> {
    const key = `${to.registryKey}@${digest}`;
    const placed = this.#placed.get(key);
    if (placed)
      return placed.then((holder) =>
        holder.name === to.name ? undefined : this.#blobs.run(() => this.#place(from, to, digest, size, holder)).then(() => {}),
      );
    const placing = this.#first(from, to, digest, size);
    this.#placed.set(key, placing);
    placing.catch(() => this.#placed.delete(key));
    return placing.then(() => {});
  }

  /**
   * The blob's first placing in `to`'s registry. Each registry's copy asks for a blob at its own pace: the placings
   * that ask while it waits for a turn share that turn, so they start together and one read of the source serves them.
   */
  #first(from: ImageStore, to: ImageStore, digest: string, size: number): Promise<ImageStore> {
    const key = `${from.name}@${digest}`;
    const waiting = this.#turns.get(key);
    const starts = waiting ?? [];
    const placing = new Promise<ImageStore>((resolve, reject) =>
      starts.push(() => this.#place(from, to, digest, size, from).then(resolve, reject)),
    );
    if (!waiting) {
      this.#turns.set(key, starts);
      // Each start settles its own placing's promise and never rejects.
      void this.#blobs.run(async () => {
        this.#turns.delete(key);
        await Promise.all(starts.map((start) => start()));
      });
    }
    return placing;
  }

  /** The read of a source blob that an upload starting now joins. */
  #read(from: ImageStore, digest: string): SharedRead {
    const key = `${from.name}@${digest}`;
    let read = this.#reads.get(key);
    if (!read?.open) {
      read = new SharedRead(() => from.getBlob(digest));
      this.#reads.set(key, read);
    }
    return read;
  }

  async #place(from: ImageStore, to: ImageStore, digest: string, size: number, mountFrom: ImageStore): Promise<ImageStore> {
    // Registered before the HEAD: a mirror still finding out whether it needs the blob holds the read back, so the
    // source is read once for all mirrors that do.
    const read = this.#read(from, digest).register();
    try {
      if ((await to.headBlob(digest)) !== undefined) return to;
      if (await to.mountBlob(digest, mountFrom)) {
        this.#stats(to).mounts++;
        return to;
      }
      await to.putBlob(digest, size, read.stream);
    } finally {
      read.release();
    }
    const stats = this.#stats(to);
    stats.bytes += size;
    stats.uploads++;
    return to;
  }
}
