export type { Credential, Credentials } from './auth.ts';
export { loadCredentials, parseDockerConfig } from './auth.ts';
export type { OciClientOptions } from './client.ts';
export { OciClient } from './client.ts';
export { sha256Digest, verifiedStream } from './digest.ts';
export type { Descriptor, ManifestBlob, ParsedManifest, Platform } from './media-types.ts';
export { isIndex, MANIFEST_ACCEPT, MEDIA_TYPE, parseManifest } from './media-types.ts';
export type { ImageReference, LayoutReference, RegistryReference } from './reference.ts';
export {
  DIGEST_PATTERN,
  formatReference,
  InvalidReferenceError,
  parseReference,
  repositoryName,
  TAG_PATTERN,
  withReference,
} from './reference.ts';
export type { BlobStream, ImageStore } from './store.ts';
