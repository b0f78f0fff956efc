/**
 * Keyless signing: an ephemeral P-256 key certified by Fulcio for the OIDC
 * identity. One certificate serves every file of a run (Fulcio issues it for ten
 * minutes); a new one is requested when less than `renewBeforeMs` is left, so a
 * long run never signs with a certificate about to expire.
 */
import { X509Certificate } from 'node:crypto';
import { FulcioSigner, type IdentityProvider, type Signature } from '@sigstore/sign';
import { redactError } from '../core/redact.ts';
import { type RetryOptions, withRetry } from '../core/retry.ts';
import { KeySigner } from './key-signer.ts';
import { type CertificateIdentity, certificateIdentityOf, jwtClaims } from './oidc.ts';
import { isOutage } from './services.ts';
import type { ArtifactSigner } from './signer.ts';
import { withTimeout } from './timeout.ts';

export interface KeylessOptions {
  identity: IdentityProvider;
  fulcioUrl: string;
  timeoutMs?: number;
  retry?: RetryOptions;
  renewBeforeMs?: number;
  now?: () => number;
}

interface Certified {
  pem: string;
  notAfter: number;
}

export class KeylessSigner implements ArtifactSigner {
  readonly kind = 'keyless';
  readonly #key = KeySigner.ephemeral();
  readonly publicKey = this.#key.publicKey;
  readonly #fulcio: FulcioSigner;
  readonly #options: KeylessOptions;
  #cached: Certified | undefined;
  #pending: Promise<Certified> | undefined;
  /** The identity tokens handed to Fulcio: its errors may quote them (@sigstore/sign copies the response in). */
  readonly #tokens = new Set<string>();

  constructor(options: KeylessOptions) {
    this.#options = options;
    this.#fulcio = new FulcioSigner({
      identityProvider: {
        getToken: async () => {
          const token = await options.identity.getToken();
          this.#tokens.add(token);
          return token;
        },
      },
      keyHolder: this.#key,
      fulcioBaseURL: options.fulcioUrl,
      retry: 0,
      timeout: options.timeoutMs,
    });
  }

  async #request(): Promise<Certified> {
    const what = 'Fulcio signing certificate';
    const timeoutMs = this.#options.timeoutMs ?? 180_000;
    const { key } = await withRetry(() => withTimeout(timeoutMs, what, () => this.#fulcio.sign(Buffer.alloc(0))), {
      what,
      isRetryable: isOutage,
      ...this.#options.retry,
    }).catch((err: unknown) => {
      throw redactError(err, this.#tokens);
    });
    if (key.$case !== 'x509Certificate') throw new Error('Fulcio returned no certificate');
    return { pem: key.certificate, notAfter: Date.parse(new X509Certificate(key.certificate).validTo) };
  }

  /** The current certificate (PEM), requested once and renewed before it expires. */
  async certificate(): Promise<string> {
    const now = (this.#options.now ?? Date.now)();
    const renewBefore = this.#options.renewBeforeMs ?? 3 * 60_000;
    if (this.#cached && this.#cached.notAfter - now >= renewBefore) return this.#cached.pem;
    this.#pending ??= this.#request()
      .then((certified) => {
        this.#cached = certified;
        return certified;
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return (await this.#pending).pem;
  }

  async #withCertificate(signed: Promise<Signature>): Promise<Signature> {
    const [certificate, { signature }] = await Promise.all([this.certificate(), signed]);
    return { signature, key: { $case: 'x509Certificate', certificate } };
  }

  sign(data: Buffer): Promise<Signature> {
    return this.#withCertificate(this.#key.sign(data));
  }

  signDigest(sha256: Uint8Array): Promise<Signature> {
    return this.#withCertificate(this.#key.signDigest(sha256));
  }

  /** Read from an identity token (a fresh one: the certificate request fetches its own). */
  async certificateIdentity(): Promise<CertificateIdentity | undefined> {
    return certificateIdentityOf(jwtClaims(await this.#options.identity.getToken()));
  }
}
