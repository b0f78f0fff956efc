/**
 * Key mode is reproducible (docs/sign-artifacts.md): the same key, files and SOURCE_DATE_EPOCH give the same bytes in
 * a fresh workspace, the provenance's DSSE envelope as much as each file's bundle.
 */
import { createHash, verify } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { keySigningOptions, TEST_BUILD_CONTEXT, testKeyPair } from '../testing/sigstore.ts';
import { KeySigner, signArtifacts, trustPolicy, verifyArtifacts } from './index.ts';

const keys = testKeyPair();
const workspaces: string[] = [];
afterAll(() => Promise.all(workspaces.map((ws) => rm(ws, { recursive: true, force: true }))));

/** Signs two files with their provenance in a fresh workspace; answers the workspace and every file's bytes. */
async function signFresh(): Promise<{ ws: string; tree: Record<string, string> }> {
  const ws = await mkdtemp(path.join(tmpdir(), 'key-signer-'));
  workspaces.push(ws);
  await writeFile(path.join(ws, 'kubectl'), 'kubectl bytes');
  await writeFile(path.join(ws, 'kubelet'), 'kubelet bytes');
  const options = { provenance: TEST_BUILD_CONTEXT, sourceDate: new Date('2026-01-02T03:04:05Z') };
  await signArtifacts(keySigningOptions(ws, keys.privatePem, options), new RecordingLogger());
  const tree: Record<string, string> = {};
  for (const name of (await readdir(ws)).sort()) tree[name] = await readFile(path.join(ws, name), 'utf8');
  return { ws, tree };
}

describe('KeySigner', () => {
  it('signs bytes as it signs their SHA-256 digest, deterministically, and the signature verifies', async () => {
    const signer = KeySigner.fromPem(keys.privatePem);
    const data = Buffer.from('the pre-authentication encoding of an envelope');
    const { signature } = await signer.sign(data);
    expect((await signer.sign(data)).signature).toEqual(signature);
    expect((await signer.signDigest(createHash('sha256').update(data).digest())).signature).toEqual(signature);
    expect(verify('sha256', data, signer.publicKey, signature)).toBe(true);
  });

  it('gives a fresh workspace the same bytes: provenance bundle and file bundles, and they verify', async () => {
    const first = await signFresh();
    const second = await signFresh();
    expect(Object.keys(first.tree)).toContain('provenance.sigstore.json');
    expect(second.tree).toEqual(first.tree);
    const trust = trustPolicy({ publicKey: KeySigner.fromPem(keys.privatePem).publicKey, tlog: false });
    const verified = await verifyArtifacts({ workspace: second.ws, files: ['*'], trust }, new RecordingLogger());
    expect(verified.verified).toBe(2);
    expect(verified.provenance).toEqual(['provenance.json']);
  });
});
