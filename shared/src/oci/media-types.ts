/** The manifest media types and the descriptors a manifest or index points to. */

export const MEDIA_TYPE = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

/** What a registry is asked for: every manifest kind we copy. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPE.ociIndex,
  MEDIA_TYPE.ociManifest,
  MEDIA_TYPE.dockerList,
  MEDIA_TYPE.dockerManifest,
].join(', ');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Platform;
}

/** A manifest as stored: its exact bytes (the digest is of these), its media type and digest. */
export interface ManifestBlob {
  mediaType: string;
  digest: string;
  bytes: Buffer;
}

export interface ParsedManifest {
  mediaType: string;
  /** Child manifests (an index). */
  manifests: Descriptor[];
  /** Config and layers (an image manifest). */
  blobs: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export function isIndex(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE.ociIndex || mediaType === MEDIA_TYPE.dockerList;
}

/** The media type a manifest's bytes declare (or the one an index implies by having `manifests`). */
export function manifestMediaType(bytes: Buffer, fallback?: string): string {
  const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: unknown };
  return doc.mediaType ?? fallback ?? (Array.isArray(doc.manifests) ? MEDIA_TYPE.ociIndex : MEDIA_TYPE.ociManifest);
}

export function parseManifest(manifest: ManifestBlob): ParsedManifest {
  const doc = JSON.parse(manifest.bytes.toString('utf8')) as {
    manifests?: Descriptor[];
    config?: Descriptor;
    layers?: Descriptor[];
    blobs?: Descriptor[];
    subject?: Descriptor;
    artifactType?: string;
    annotations?: Record<string, string>;
  };
  return {
    mediaType: manifest.mediaType,
    manifests: doc.manifests ?? [],
    blobs: [...(doc.config ? [doc.config] : []), ...(doc.layers ?? []), ...(doc.blobs ?? [])],
    ...(doc.subject ? { subject: doc.subject } : {}),
    ...(doc.artifactType ? { artifactType: doc.artifactType } : {}),
    ...(doc.annotations ? { annotations: doc.annotations } : {}),
  };
}
