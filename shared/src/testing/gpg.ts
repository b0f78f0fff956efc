/**
 * A throwaway GnuPG home with a fresh signing key, for package and repository
 * signing tests. stop() kills the agent gpg started and removes the home.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GpgHome {
  home: string;
  fingerprint: string;
  uid: string;
  publicKey: string;
  privateKey: string;
  gpg(args: readonly string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function createGpgHome(uid = 'Release Actions Test <release-test@example.invalid>'): Promise<GpgHome> {
  const home = await mkdtemp(path.join(tmpdir(), 'gnupg-'));
  const env = { ...process.env, GNUPGHOME: home };
  const gpg = async (args: readonly string[]) => (await run('gpg', ['--batch', '--yes', ...args], { env })).stdout;
  await gpg(['--passphrase', '', '--quick-gen-key', uid, 'rsa3072', 'sign', '1y']);
  const listing = await gpg(['--with-colons', '--list-secret-keys']);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
  if (!fingerprint) throw new Error(`gpg generated no key:\n${listing}`);
  return {
    home,
    fingerprint,
    uid,
    publicKey: await gpg(['--armor', '--export', fingerprint]),
    privateKey: await gpg(['--armor', '--export-secret-keys', fingerprint]),
    gpg,
    async stop() {
      await run('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { env }).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}
