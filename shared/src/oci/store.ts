/**
 * One repository of images, wherever it lives: a registry speaking the OCI distribution API, or an OCI image
 * layout folder. Every copy, check and signature goes through this interface.
 */
import type { Descriptor, ManifestBlob } from './media-types.ts';

/** A blob's bytes as a stream: read once, never held whole in memory; a chunk is not reused once yielded (consumers batch them). */
export type BlobStream = AsyncIterable<Uint8Array>;

export interface ImageStore {
  /** `host/repo` or `oci:path`, for messages. */
  readonly name: string;
  /** What is shared between repositories of one place: its rate limit, and blob mounts (same key). */
  readonly registryKey: string;
  /** The repository's path inside its registry (the `from` of a mount). */
  readonly repository: string;

  /** The manifest at a tag or digest, with its exact bytes; undefined when absent. */
  getManifest(reference: string): Promise<ManifestBlob | undefined>;
  /** The manifest's descriptor without its body; undefined when absent. */
  headManifest(reference: string): Promise<Descriptor | undefined>;
  /** Stores the bytes exactly as given, under a tag or under their digest. */
  putManifest(reference: string, manifest: Omit<ManifestBlob, 'digest'> & { digest?: string }): Promise<string>;

  /** The blob's size, or undefined when absent. */
  headBlob(digest: string): Promise<number | undefined>;
  /** The blob's bytes, checked against the digest as they stream (the stream fails on a mismatch). */
  getBlob(digest: string): Promise<BlobStream>;
  /** Writes a blob from a stream; `open` is called again when an attempt has to start over. */
  putBlob(digest: string, size: number, open: () => Promise<BlobStream>): Promise<void>;
  /** Mounts a blob from another repository of the same registry; false when the registry would not. */
  mountBlob(digest: string, from: ImageStore): Promise<boolean>;

  listTags(): Promise<string[]>;
  /** Manifests whose subject is `digest`, or undefined when the store has no referrers API. */
  listReferrers(digest: string): Promise<Descriptor[] | undefined>;
}
