/**
 * Cosign-compatible image signatures in the tag schema: `sha256-<hex>.sig` holds a manifest whose layers are
 * simple-signing payloads (`critical.image.docker-manifest-digest` names the digest), each with its signature in
 * the `dev.cosignproject.cosign/signature` annotation. A promoted digest is signed once (ECDSA P-256 over the
 * payload's SHA-256, deterministic: a rerun makes the same layer) and that one layer is added to every
 * destination's `.sig`. Attestations go the same way under `.att`: a DSSE envelope of an in-toto statement.
 */
import { createHash, type KeyObject, verify } from 'node:crypto';
import { sha256Digest } from '../oci/digest.ts';
import { type Descriptor, type ManifestBlob, MEDIA_TYPE } from '../oci/media-types.ts';
import type { ImageStore } from '../oci/store.ts';
import { preAuthEncoding } from '../sign/bundles.ts';
import type { ArtifactSigner } from '../sign/signer.ts';
import type { Copier } from './copier.ts';
import { cosignConfig, putCosignTag, putSmallBlob, referrersTag } from './referrers.ts';

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const PROMOTION_PREDICATE = 'https://k8s.io/promo-tools/promotion/v1';
const IN_TOTO = 'application/vnd.in-toto+json';

/** A layer and its bytes, made once, added to every destination. */
export interface Attachment {
  layer: Descriptor;
  bytes: Buffer;
}

export function simpleSigningPayload(repository: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': repository },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
}

export async function signatureLayer(signer: ArtifactSigner, repository: string, digest: string): Promise<Attachment> {
  const bytes = simpleSigningPayload(repository, digest);
  const signature = await signer.signDigest(createHash('sha256').update(bytes).digest());
  return {
    bytes,
    layer: {
      mediaType: SIMPLE_SIGNING,
      digest: sha256Digest(bytes),
      size: bytes.length,
      annotations: { [SIGNATURE_ANNOTATION]: Buffer.from(signature.signature).toString('base64') },
    },
  };
}

export interface PromotionStatement {
  srcRef: string;
  dstRef: string;
  digest: string;
  timestamp: string;
  builderId: string;
}

export function promotionStatement(s: PromotionStatement): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: s.dstRef.replace(/@.*$/, ''), digest: { sha256: s.digest.slice(7) } }],
      predicateType: PROMOTION_PREDICATE,
      predicate: { src_ref: s.srcRef, dst_ref: s.dstRef, digest: s.digest, timestamp: s.timestamp, builder_id: s.builderId },
    }),
  );
}

export async function attestationLayer(signer: ArtifactSigner, statement: Buffer): Promise<Attachment> {
  const signature = await signer.sign(preAuthEncoding(IN_TOTO, statement));
  const bytes = Buffer.from(
    JSON.stringify({
      payloadType: IN_TOTO,
      payload: statement.toString('base64'),
      signatures: [{ keyid: '', sig: Buffer.from(signature.signature).toString('base64') }],
    }),
  );
  return {
    bytes,
    layer: {
      mediaType: DSSE_MEDIA_TYPE,
      digest: sha256Digest(bytes),
      size: bytes.length,
      annotations: { predicateType: PROMOTION_PREDICATE },
    },
  };
}

/** A one-layer cosign manifest (the layer and a config written to `to` first). */
async function attachmentManifest(to: ImageStore, attachment: Attachment): Promise<ManifestBlob> {
  await putSmallBlob(to, attachment.layer.mediaType, attachment.bytes);
  const config = await putSmallBlob(to, MEDIA_TYPE.ociConfig, cosignConfig([attachment.layer]));
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociManifest, config, layers: [attachment.layer] }),
  );
  return { mediaType: MEDIA_TYPE.ociManifest, digest: sha256Digest(bytes), bytes };
}

/** Adds the layer to the digest's `.sig` or `.att` in `to`; false when it was there already. */
export async function attach(
  copier: Copier,
  to: ImageStore,
  digest: string,
  suffix: '.sig' | '.att',
  attachment: Attachment,
): Promise<boolean> {
  return putCosignTag(copier, to, `${referrersTag(digest)}${suffix}`, await attachmentManifest(to, attachment));
}

async function readSmall(store: ImageStore, digest: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await store.getBlob(digest)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The layers of a digest's cosign tag (none when the tag is absent). */
export async function cosignLayers(store: ImageStore, digest: string, suffix: '.sig' | '.att'): Promise<Descriptor[]> {
  const manifest = await store.getManifest(`${referrersTag(digest)}${suffix}`);
  if (!manifest) return [];
  return (JSON.parse(manifest.bytes.toString('utf8')) as { layers?: Descriptor[] }).layers ?? [];
}

export type SignatureCheck = { status: 'absent' } | { status: 'verified' } | { status: 'invalid'; problem: string };

/** Whether a `.sig` layer for `digest` verifies with `publicKey`. */
export async function checkSignature(store: ImageStore, digest: string, publicKey: KeyObject): Promise<SignatureCheck> {
  const layers = (await cosignLayers(store, digest, '.sig')).filter((l) => l.mediaType === SIMPLE_SIGNING);
  if (layers.length === 0) return { status: 'absent' };
  for (const layer of layers) {
    const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
    if (!signature) continue;
    const payload = await readSmall(store, layer.digest);
    const claimed = (JSON.parse(payload.toString('utf8')) as { critical?: { image?: Record<string, string> } }).critical?.image?.[
      'docker-manifest-digest'
    ];
    if (claimed === digest && verify('sha256', payload, publicKey, Buffer.from(signature, 'base64')))
      return { status: 'verified' };
  }
  return {
    status: 'invalid',
    problem: `none of the ${layers.length} signature(s) of ${store.name}@${digest} verifies with the key`,
  };
}

/** Whether the digest's `.att` already holds this statement (attestations are not made twice). */
export async function hasStatement(store: ImageStore, digest: string, statement: Buffer): Promise<boolean> {
  for (const layer of await cosignLayers(store, digest, '.att')) {
    if (layer.mediaType !== DSSE_MEDIA_TYPE) continue;
    const envelope = JSON.parse((await readSmall(store, layer.digest)).toString('utf8')) as { payload?: string };
    if (envelope.payload && Buffer.from(envelope.payload, 'base64').equals(statement)) return true;
  }
  return false;
}
