/**
 * An OCI image layout folder (`oci-layout`, `index.json`, `blobs/sha256/…`) as an image store: a release staged
 * and promoted with no registry at all. Tags are `org.opencontainers.image.ref.name` annotations in index.json;
 * blobs are written to a temporary file, checked, then renamed; index.json is rewritten atomically, one update
 * at a time. Every file is read and written inside the layout's folder: a link (`blobs/`, `index.json`) that leads
 * elsewhere is refused, and temporary files are created exclusively.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ReleaseError } from '../core/errors.ts';
import { resolveSafeSync } from '../core/paths.ts';
import { sha256Digest, verifiedStream } from './digest.ts';
import { type Descriptor, type ManifestBlob, MEDIA_TYPE, manifestMediaType } from './media-types.ts';
import { DIGEST_PATTERN } from './reference.ts';
import type { BlobStream, ImageStore } from './store.ts';

const REF_NAME = 'org.opencontainers.image.ref.name';

interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

let temporaries = 0;

export class LayoutStore implements ImageStore {
  readonly name: string;
  readonly registryKey: string;
  readonly repository = '';
  readonly #dir: string;
  #updates: Promise<unknown> = Promise.resolve();

  /** `dir` is absolute (resolved and checked by the caller); `name` is how messages show it. */
  constructor(dir: string, name = `oci:${dir}`) {
    this.#dir = dir;
    this.name = name;
    this.registryKey = `oci:${dir}`;
  }

  /** A file of the layout, refused when a link on the way leads out of its folder. */
  #file(...names: string[]): string {
    return resolveSafeSync(this.#dir, path.join(...names));
  }

  #blobPath(digest: string): string {
    if (!DIGEST_PATTERN.test(digest)) throw new Error(`not a sha256 digest: ${digest}`);
    return this.#file('blobs', 'sha256', digest.slice(7));
  }

  async #index(): Promise<IndexJson> {
    try {
      return JSON.parse(await readFile(this.#file('index.json'), 'utf8')) as IndexJson;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        return { schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: [] };
      throw err;
    }
  }

  async #resolve(reference: string): Promise<Descriptor | undefined> {
    const index = await this.#index();
    if (DIGEST_PATTERN.test(reference)) {
      const listed = index.manifests.find((m) => m.digest === reference);
      if (listed) return listed;
      const size = await this.headBlob(reference);
      if (size === undefined) return undefined;
      const bytes = await readFile(this.#blobPath(reference));
      return { mediaType: manifestMediaType(bytes), digest: reference, size };
    }
    return index.manifests.find((m) => m.annotations?.[REF_NAME] === reference);
  }

  async getManifest(reference: string): Promise<ManifestBlob | undefined> {
    const descriptor = await this.#resolve(reference);
    if (!descriptor) return undefined;
    const bytes = await readFile(this.#blobPath(descriptor.digest));
    const digest = sha256Digest(bytes);
    // A layout is files anyone could have edited: what is pushed under a tag must be what the tag's digest names.
    if (digest !== descriptor.digest)
      throw new ReleaseError('DIGEST_MISMATCH', `${this.name}: the blob of ${descriptor.digest} holds bytes of ${digest}`);
    return { mediaType: manifestMediaType(bytes, descriptor.mediaType), digest, bytes };
  }

  async headManifest(reference: string): Promise<Descriptor | undefined> {
    const descriptor = await this.#resolve(reference);
    return descriptor && { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  }

  async putManifest(reference: string, manifest: Omit<ManifestBlob, 'digest'>): Promise<string> {
    const digest = sha256Digest(manifest.bytes);
    await this.#write(digest, manifest.bytes);
    if (DIGEST_PATTERN.test(reference)) return digest;
    await this.#update((index) => {
      const entry: Descriptor = {
        mediaType: manifest.mediaType,
        digest,
        size: manifest.bytes.length,
        annotations: { [REF_NAME]: reference },
      };
      index.manifests = [...index.manifests.filter((m) => m.annotations?.[REF_NAME] !== reference), entry];
    });
    return digest;
  }

  /** index.json updates, one at a time, each written to a temporary file and renamed. */
  #update(change: (index: IndexJson) => void): Promise<void> {
    const next = this.#updates.then(async () => {
      const index = await this.#index();
      change(index);
      await mkdir(this.#dir, { recursive: true });
      await writeFile(this.#file('oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      const temporary = this.#file(`.index.json.${process.pid}.${temporaries++}`);
      await writeFile(temporary, JSON.stringify(index), { flag: 'wx' });
      await rename(temporary, this.#file('index.json'));
    });
    this.#updates = next.catch(() => {});
    return next;
  }

  async headBlob(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.#blobPath(digest))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async getBlob(digest: string): Promise<BlobStream> {
    const file = this.#blobPath(digest);
    await stat(file);
    return verifiedStream(createReadStream(file, { highWaterMark: 256 * 1024 }), digest, `${this.name}@${digest}`);
  }

  async #write(digest: string, source: BlobStream | Buffer, size?: number): Promise<void> {
    const target = this.#blobPath(digest);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.${temporaries++}.partial`;
    const handle = await open(temporary, 'wx');
    try {
      const chunks = Buffer.isBuffer(source) ? [source] : verifiedStream(source, digest, `${this.name}@${digest}`, size);
      for await (const chunk of chunks) await handle.write(chunk);
      await handle.close();
      await rename(temporary, target);
    } catch (err) {
      await handle.close().catch(() => {});
      await rm(temporary, { force: true });
      throw err;
    }
  }

  async putBlob(digest: string, size: number, open: () => Promise<BlobStream>): Promise<void> {
    await this.#write(digest, await open(), size);
  }

  async mountBlob(): Promise<boolean> {
    return false;
  }

  async listTags(): Promise<string[]> {
    const index = await this.#index();
    return index.manifests.flatMap((m) => (m.annotations?.[REF_NAME] ? [m.annotations[REF_NAME]] : []));
  }

  async listReferrers(): Promise<Descriptor[] | undefined> {
    return undefined;
  }
}
