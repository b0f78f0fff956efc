/**
 * The Sigstore half of promote-images: signing, verifying and attesting images, and the signers and trust
 * policies the inputs build. One chunk of the bundle, loaded only by a run that signs, verifies or attests.
 */
export { BundleVerifier } from '../sign/bundle-verifier.ts';
export { readKeySigner } from '../sign/key-input.ts';
export { KeylessSigner } from '../sign/keyless-signer.ts';
export { parsePublicKey, parseTrustedRoot, publicGoodTrustedRoot, trustPolicy } from '../sign/trust.ts';
export { witnessesFor } from '../sign/witnesses.ts';
export * from './signatures.ts';
