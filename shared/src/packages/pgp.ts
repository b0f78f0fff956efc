/**
 * OpenPGP signing with openpgp.js: clearsigned and detached signatures over repository indexes, and the binary
 * detached signature of an rpm header. Signatures are reproducible: made at SOURCE_DATE_EPOCH (or the signing
 * key's creation, when that is later: a signature older than its key is refused), without openpgp.js's random
 * salt notation.
 */
import { ReleaseError } from '../core/errors.ts';

type OpenPgp = typeof import('openpgp');
let loaded: Promise<OpenPgp> | undefined;
const openpgp = () => {
  loaded ??= import('openpgp');
  return loaded;
};

export interface PgpSigner {
  fingerprint: string;
  /** The armored public key (Release.key, repomd.xml.key). */
  publicKey: string;
  /** The time every signature carries. */
  date: Date;
  clearsign(text: string): Promise<string>;
  detachArmored(data: Uint8Array | string): Promise<string>;
  detachBinary(data: Uint8Array): Promise<Uint8Array>;
  /** The text of a clearsigned message, or why it is not one this key signed (another key, a bad signature). */
  verifyClearsigned(armored: string): Promise<{ text: string } | { problem: string }>;
  /** Undefined when `signature` is this key's valid detached signature of `data`, else why not. */
  verifyDetached(data: Uint8Array, armoredSignature: string): Promise<string | undefined>;
}

/** Reads an armored private key; a wrong or missing passphrase is the user's error, reported on the input. */
export async function loadSigner(armoredKey: string, passphrase: string | undefined, sourceDate: Date): Promise<PgpSigner> {
  const pgp = await openpgp();
  let key: import('openpgp').PrivateKey;
  try {
    key = await pgp.readPrivateKey({ armoredKey });
  } catch (err) {
    throw new ReleaseError('INPUT_INVALID', "Input 'gpg-private-key': is not an armored OpenPGP private key", {
      cause: err,
      userError: true,
    });
  }
  if (!key.isDecrypted()) {
    try {
      key = await pgp.decryptKey({ privateKey: key, passphrase: passphrase ?? '' });
    } catch (err) {
      throw new ReleaseError('INPUT_INVALID', `Input 'gpg-passphrase': does not unlock the key (${(err as Error).message})`, {
        cause: err,
        userError: true,
      });
    }
  }
  const signingKey = await key.getSigningKey();
  const created = Math.max(key.getCreationTime().getTime(), signingKey.getCreationTime().getTime());
  const date = new Date(Math.max(sourceDate.getTime(), created));
  const config = { nonDeterministicSignaturesViaNotation: false } as import('openpgp').PartialConfig;
  const publicKey = key.toPublic();
  const ours = publicKey.getKeyIDs();
  // Which key signed is told apart from a bad signature: a repository signed by another key needs its own answer.
  const verified = async (
    signers: ReadonlyArray<import('openpgp').KeyID>,
    verify: () => Promise<{ signatures: Array<{ verified: Promise<true> }> }>,
  ): Promise<string | undefined> => {
    if (!signers.some((id) => ours.some((own) => own.equals(id))))
      return `is signed by key ${signers.map((id) => id.toHex().toUpperCase()).join(', ') || '(none)'}, not by the signing key ${key.getFingerprint().toUpperCase()} (a repository signed with another key is not taken over)`;
    try {
      const { signatures } = await verify();
      await Promise.all(signatures.map((s) => s.verified));
      return undefined;
    } catch (err) {
      return `has a signature that does not verify (${(err as Error).message})`;
    }
  };
  const unreadable = (what: string, err: unknown) => `is not ${what} (${(err as Error).message})`;
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    publicKey: publicKey.armor(),
    date,
    async clearsign(text) {
      const message = await pgp.createCleartextMessage({ text });
      return pgp.sign({ message, signingKeys: key, date, config });
    },
    async detachArmored(data) {
      const message = await pgp.createMessage({ binary: typeof data === 'string' ? Buffer.from(data, 'utf8') : data });
      return pgp.sign({ message, signingKeys: key, date, config, detached: true });
    },
    async detachBinary(data) {
      const message = await pgp.createMessage({ binary: data });
      return pgp.sign({ message, signingKeys: key, date, config, detached: true, format: 'binary' });
    },
    async verifyClearsigned(armored) {
      let message: import('openpgp').CleartextMessage;
      try {
        message = await pgp.readCleartextMessage({ cleartextMessage: armored });
      } catch (err) {
        return { problem: unreadable('a clearsigned OpenPGP message', err) };
      }
      const problem = await verified(message.getSigningKeyIDs(), () =>
        pgp.verify({ message, verificationKeys: publicKey, expectSigned: true }),
      );
      return problem === undefined ? { text: message.getText() } : { problem };
    },
    async verifyDetached(data, armoredSignature) {
      let signature: import('openpgp').Signature;
      try {
        signature = await pgp.readSignature({ armoredSignature });
      } catch (err) {
        return unreadable('an armored OpenPGP signature', err);
      }
      const message = await pgp.createMessage({ binary: data });
      return verified(signature.getSigningKeyIDs(), () =>
        pgp.verify({ message, signature, verificationKeys: publicKey, expectSigned: true }),
      );
    },
  };
}
