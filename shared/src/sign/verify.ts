/**
 * The verifying half of the sign domain: what an action needs to check
 * signatures before it writes (the verify gate), without the signing clients
 * (Fulcio, Rekor, TSA), so a verify-only bundle stays small.
 */
export type { TrustPolicy } from './bundle-verifier.ts';
export type { FileFailure } from './errors.ts';
export { VerificationError } from './errors.ts';
export type { TrustConfig } from './trust.ts';
export { parsePublicKey, parseTrustedRoot, publicGoodTrustedRoot, trustPolicy } from './trust.ts';
export type { VerifiedFile, VerifyArtifactsOptions, VerifyArtifactsResult } from './verify-artifacts.ts';
export { verifyArtifacts } from './verify-artifacts.ts';
