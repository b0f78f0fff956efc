/**
 * Image signatures. A promoted digest is signed once: a message signature over cosign's simple-signing payload
 * (`critical.image.docker-manifest-digest` names the digest), kept as a Sigstore bundle, stored on every
 * destination — as an OCI 1.1 referrer where the registry has the referrers API, else as a layer of the cosign tag
 * `sha256-<hex>.sig` (signature, certificate and bundle in its annotations). A key signature is deterministic (a
 * rerun writes nothing). Attestations (a DSSE envelope of an in-toto statement, in a Sigstore bundle) go the same
 * two ways: a referrer where the API is, else a layer of `sha256-<hex>.att`.
 */
import { createHash, type KeyObject, verify } from 'node:crypto';
import type { Witness } from '@sigstore/sign';
import { sha256Hex } from '../core/hash.ts';
import type { RetryOptions } from '../core/retry.ts';
import { sha256Digest } from '../oci/digest.ts';
import { type Descriptor, type ManifestBlob, MEDIA_TYPE } from '../oci/media-types.ts';
import type { ImageStore } from '../oci/store.ts';
import { witnessedDsse } from '../sign/attest.ts';
import { BundleRejected, type BundleVerifier } from '../sign/bundle-verifier.ts';
import { BUNDLE_V03_MEDIA_TYPE, messageBundle, parseBundle, serializeBundle } from '../sign/bundles.ts';
import type { ArtifactSigner } from '../sign/signer.ts';
import { witness } from '../sign/witnesses.ts';
import type { Copier } from './copier.ts';
import { cosignConfig, putCosignTag, putSmallBlob, type ReferrerIndex, referrersTag } from './referrers.ts';

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
/** The whole Sigstore bundle (v0.3 JSON), so a tag-schema signature verifies offline as a referrer does. */
export const BUNDLE_ANNOTATION = 'dev.sigstore.bundle.v0.3+json';
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

/** How promoted digests are signed: the signer, and for keyless the witnesses of when (Rekor, a TSA). */
export interface ImageSigning {
  signer: ArtifactSigner;
  witnesses: readonly Witness[];
  retry: RetryOptions;
  timeoutMs: number;
  /** What a signature already there must verify with for a keyless digest not to be signed again. */
  trust: SignatureTrust;
}

/** Signing with a key: no witnesses (the signature is deterministic), signatures checked with its public half. */
export function keySigning(signer: ArtifactSigner, retry: RetryOptions = {}, timeoutMs = 180_000): ImageSigning {
  return { signer, witnesses: [], retry, timeoutMs, trust: { key: signer.publicKey } };
}

/** One signature of a digest: its simple-signing layer (for the tag schema) and its Sigstore bundle (for referrers). */
export interface ImageSignature extends Attachment {
  bundle: Buffer;
}

/**
 * Signs a digest once: a message signature over the simple-signing payload's SHA-256, witnessed (keyless), kept as
 * a Sigstore bundle. The cosign layer carries the signature, the certificate and the bundle as annotations. A key
 * signature is deterministic (a rerun makes the same layer and bundle and writes nothing).
 */
export async function signImage(signing: ImageSigning, repository: string, digest: string): Promise<ImageSignature> {
  const bytes = simpleSigningPayload(repository, digest);
  const sha256 = createHash('sha256').update(bytes).digest();
  const signature = await signing.signer.signDigest(sha256);
  const bundle = await witness(
    messageBundle(sha256.toString('hex'), signature),
    signature,
    signing.witnesses,
    signing.retry,
    signing.timeoutMs,
  );
  const bundleText = serializeBundle(bundle);
  const annotations: Record<string, string> = {
    [SIGNATURE_ANNOTATION]: Buffer.from(signature.signature).toString('base64'),
  };
  if (signature.key.$case === 'x509Certificate') annotations[CERTIFICATE_ANNOTATION] = signature.key.certificate;
  annotations[BUNDLE_ANNOTATION] = bundleText;
  return {
    bytes,
    bundle: Buffer.from(bundleText),
    layer: { mediaType: SIMPLE_SIGNING, digest: sha256Digest(bytes), size: bytes.length, annotations },
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

/** A signed statement: its DSSE envelope as a cosign `.att` layer, and its Sigstore bundle (for referrers). */
export interface ImageAttestation extends Attachment {
  bundle: Buffer;
}

/**
 * Signs a statement once: a DSSE envelope, as cosign's `.att` layers hold it, with its Sigstore bundle (witnessed
 * when keyless: the certificate, the Rekor entry, the timestamp) in an annotation, so a keyless attestation
 * verifies; the bundle alone is what a referrer holds.
 */
export async function attestImage(signing: ImageSigning, statement: Buffer): Promise<ImageAttestation> {
  const { bundle, signature } = await witnessedDsse(signing, statement, IN_TOTO);
  const bundleText = serializeBundle(bundle);
  const bytes = Buffer.from(
    JSON.stringify({
      payloadType: IN_TOTO,
      payload: statement.toString('base64'),
      signatures: [{ keyid: '', sig: Buffer.from(signature.signature).toString('base64') }],
    }),
  );
  return {
    bytes,
    bundle: Buffer.from(bundleText),
    layer: {
      mediaType: DSSE_MEDIA_TYPE,
      digest: sha256Digest(bytes),
      size: bytes.length,
      annotations: { predicateType: PROMOTION_PREDICATE, [BUNDLE_ANNOTATION]: bundleText },
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

/** The empty JSON config of an artifact manifest (OCI 1.1). */
const EMPTY_CONFIG = Buffer.from('{}');

/** What a Sigstore bundle referrer holds, in its `dev.sigstore.bundle.content` annotation. */
const BUNDLE_CONTENT = 'dev.sigstore.bundle.content';
const BUNDLE_PREDICATE_TYPE = 'dev.sigstore.bundle.predicateType';

/** Pushes a Sigstore bundle referrer of `subject` (by digest); false when the same one is there. */
async function putBundleReferrer(
  copier: Copier,
  to: ImageStore,
  subject: Descriptor,
  layers: Descriptor[],
  annotations: Record<string, string>,
): Promise<boolean> {
  const config = await putSmallBlob(to, MEDIA_TYPE.ociEmpty, EMPTY_CONFIG);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      artifactType: BUNDLE_V03_MEDIA_TYPE,
      config,
      layers,
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations,
    }),
  );
  const digest = sha256Digest(bytes);
  if (await to.headManifest(digest)) return false;
  await copier.tag(to, digest, { mediaType: MEDIA_TYPE.ociManifest, digest, bytes });
  return true;
}

/**
 * Puts a signature on `to` the way it supports: an OCI 1.1 referrer (artifact type the Sigstore bundle, subject
 * the digest) where the registry has the referrers API, else the layer added to `sha256-<hex>.sig`. Returns
 * whether it wrote.
 */
export async function attachSignature(
  copier: Copier,
  referrers: ReferrerIndex,
  to: ImageStore,
  subject: Descriptor,
  signature: ImageSignature,
): Promise<boolean> {
  if ((await referrers.referrers(to, subject.digest)) === undefined) return attach(copier, to, subject.digest, '.sig', signature);
  const bundle = await putSmallBlob(to, BUNDLE_V03_MEDIA_TYPE, signature.bundle);
  const payload = await putSmallBlob(to, SIMPLE_SIGNING, signature.bytes);
  return putBundleReferrer(copier, to, subject, [bundle, payload], { [BUNDLE_CONTENT]: 'message-signature' });
}

/**
 * Puts an attestation on `to` the way it supports: an OCI 1.1 referrer holding its Sigstore bundle (the DSSE
 * envelope inside; annotated with the predicate type, as cosign's bundle format does) where the registry has the
 * referrers API, else the envelope added to `sha256-<hex>.att`. Returns whether it wrote.
 */
export async function attachAttestation(
  copier: Copier,
  referrers: ReferrerIndex,
  to: ImageStore,
  subject: Descriptor,
  attestation: ImageAttestation,
): Promise<boolean> {
  if ((await referrers.referrers(to, subject.digest)) === undefined)
    return attach(copier, to, subject.digest, '.att', attestation);
  const bundle = await putSmallBlob(to, BUNDLE_V03_MEDIA_TYPE, attestation.bundle);
  return putBundleReferrer(copier, to, subject, [bundle], {
    [BUNDLE_CONTENT]: 'dsse-envelope',
    [BUNDLE_PREDICATE_TYPE]: PROMOTION_PREDICATE,
  });
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

/** What an image signature must verify with: a public key, or a Sigstore trust policy (keyless). */
export type SignatureTrust = { key: KeyObject } | { verifier: BundleVerifier };

/** A signature found for a digest: the simple-signing payload and the signature or bundle over it. */
interface Candidate {
  payload: Buffer;
  signature?: string | undefined;
  bundle?: string | undefined;
}

async function verifies(candidate: Candidate, digest: string, trust: SignatureTrust): Promise<boolean> {
  let claimed: string | undefined;
  try {
    claimed = (JSON.parse(candidate.payload.toString('utf8')) as { critical?: { image?: Record<string, string> } }).critical
      ?.image?.['docker-manifest-digest'];
  } catch {
    return false;
  }
  if (claimed !== digest) return false;
  if ('key' in trust) {
    const signature = candidate.signature ?? bundleSignature(candidate.bundle);
    return signature !== undefined && verify('sha256', candidate.payload, trust.key, Buffer.from(signature, 'base64'));
  }
  if (candidate.bundle === undefined) return false;
  try {
    await trust.verifier.check(parseBundle(candidate.bundle), candidate.payload, sha256Hex(candidate.payload));
    return true;
  } catch (err) {
    if (err instanceof BundleRejected || err instanceof SyntaxError) return false;
    throw err;
  }
}

function bundleSignature(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const bundle = parseBundle(text);
    return bundle.content.$case === 'messageSignature'
      ? Buffer.from(bundle.content.messageSignature.signature).toString('base64')
      : undefined;
  } catch {
    return undefined;
  }
}

/** The signatures of a digest in the tag schema (`.sig` layers) and, where the store has the API, as referrers. */
async function candidates(store: ImageStore, digest: string, referrers: ReferrerIndex | undefined): Promise<Candidate[]> {
  const found: Candidate[] = [];
  for (const layer of await cosignLayers(store, digest, '.sig')) {
    if (layer.mediaType !== SIMPLE_SIGNING) continue;
    found.push({
      payload: await readSmall(store, layer.digest),
      signature: layer.annotations?.[SIGNATURE_ANNOTATION],
      bundle: layer.annotations?.[BUNDLE_ANNOTATION],
    });
  }
  // Referrers through the API, or (without it) the `sha256-<hex>` index tag a copy from a registry with it wrote.
  const linked = referrers ? (await referrers.attached(store, digest)).linked : [];
  for (const descriptor of linked) {
    if (descriptor.artifactType !== BUNDLE_V03_MEDIA_TYPE || descriptor.annotations?.[BUNDLE_CONTENT] === 'dsse-envelope')
      continue;
    const manifest = await store.getManifest(descriptor.digest);
    if (!manifest) continue;
    const layers = (JSON.parse(manifest.bytes.toString('utf8')) as { layers?: Descriptor[] }).layers ?? [];
    const bundle = layers.find((l) => l.mediaType === BUNDLE_V03_MEDIA_TYPE);
    const payload = layers.find((l) => l.mediaType === SIMPLE_SIGNING);
    if (!bundle || !payload) continue;
    found.push({
      payload: await readSmall(store, payload.digest),
      bundle: (await readSmall(store, bundle.digest)).toString('utf8'),
    });
  }
  return found;
}

/** Whether a signature of `digest` in the store (tag schema or referrers) verifies with `trust`. */
export async function checkSignature(
  store: ImageStore,
  digest: string,
  trust: SignatureTrust,
  referrers?: ReferrerIndex,
): Promise<SignatureCheck> {
  const found = await candidates(store, digest, referrers);
  if (found.length === 0) return { status: 'absent' };
  for (const candidate of found) if (await verifies(candidate, digest, trust)) return { status: 'verified' };
  const what = 'key' in trust ? 'the key' : 'the trusted root and identity policy';
  return {
    status: 'invalid',
    problem: `none of the ${found.length} signature(s) of ${store.name}@${digest} verifies with ${what}`,
  };
}

/** The statement a DSSE envelope or a Sigstore bundle holding one carries; undefined for anything else. */
function envelopePayload(bytes: Buffer): Buffer | undefined {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { payload?: unknown; dsseEnvelope?: { payload?: unknown } };
    const payload = parsed.dsseEnvelope?.payload ?? parsed.payload;
    return typeof payload === 'string' ? Buffer.from(payload, 'base64') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether this statement is attached to the digest already, in either form: a layer of its `.att` tag, or a bundle
 * referrer (through the referrers API, or the `sha256-<hex>` index a copy wrote where there is none). Attestations
 * are not made twice.
 */
export async function hasStatement(
  store: ImageStore,
  digest: string,
  statement: Buffer,
  referrers: ReferrerIndex,
): Promise<boolean> {
  for (const layer of await cosignLayers(store, digest, '.att')) {
    if (layer.mediaType !== DSSE_MEDIA_TYPE) continue;
    if (envelopePayload(await readSmall(store, layer.digest))?.equals(statement)) return true;
  }
  for (const descriptor of (await referrers.attached(store, digest)).linked) {
    if (descriptor.artifactType !== BUNDLE_V03_MEDIA_TYPE || descriptor.annotations?.[BUNDLE_CONTENT] === 'message-signature')
      continue;
    const manifest = await store.getManifest(descriptor.digest);
    if (!manifest) continue;
    const layers = (JSON.parse(manifest.bytes.toString('utf8')) as { layers?: Descriptor[] }).layers ?? [];
    for (const layer of layers.filter((l) => l.mediaType === BUNDLE_V03_MEDIA_TYPE))
      if (envelopePayload(await readSmall(store, layer.digest))?.equals(statement)) return true;
  }
  return false;
}
