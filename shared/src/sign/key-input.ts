/**
 * The signing-key inputs (`private-key`, `private-key-password`), read for every action that signs with a key:
 * masked first, parsed, and any problem an InputError that never echoes the key.
 */
import { InputError } from '../core/errors.ts';
import type { InputReader } from '../core/inputs.ts';
import { SigningError } from './errors.ts';
import { KeySigner } from './key-signer.ts';

export const KEY_INPUT = { privateKey: 'private-key', privateKeyPassword: 'private-key-password' } as const;

/** The key signer of the inputs; `required` says when the key is needed, for the message of a missing one. */
export function readKeySigner(inputs: InputReader, required: string): KeySigner {
  const pem = inputs.secret(KEY_INPUT.privateKey);
  const password = inputs.secret(KEY_INPUT.privateKeyPassword);
  if (pem === undefined) throw new InputError(KEY_INPUT.privateKey, `is required ${required} (a PEM PKCS#8 ECDSA P-256 key)`);
  try {
    return KeySigner.fromPem(pem, password);
  } catch (err) {
    // The key text never goes into the message: only what is wrong with it.
    if (err instanceof SigningError) throw new InputError(KEY_INPUT.privateKey, err.message);
    throw new InputError(KEY_INPUT.privateKey, 'cannot be used as a signing key');
  }
}
