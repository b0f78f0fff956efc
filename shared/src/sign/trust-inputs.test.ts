import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../core/errors.ts';
import { InputReader } from '../core/inputs.ts';
import { flushStdout } from '../core/workflow-commands.ts';
import { testKeyPair } from '../testing/sigstore.ts';
import publicGood from './public-good-trusted-root.json' with { type: 'json' };
import { parsePublicKeyInput, readPemInput, readTrustedRootInput } from './trust-inputs.ts';
import * as sign from './verify.ts';

const keys = testKeyPair();
const SECRET = 'SUPERSECRET runner file, not JSON';
let root: string;
let workspace: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'trust-inputs-'));
  workspace = path.join(root, 'ws');
  await mkdir(workspace);
  await writeFile(path.join(root, 'secret'), SECRET);
  await writeFile(path.join(root, 'root.json'), JSON.stringify(publicGood));
  await writeFile(path.join(root, 'pub.pem'), keys.publicPem);
  await writeFile(path.join(workspace, 'pub.pem'), keys.publicPem);
  await writeFile(path.join(workspace, 'key.pem'), keys.privatePem);
  await writeFile(path.join(workspace, 'root.json'), JSON.stringify(publicGood));
  await writeFile(path.join(workspace, 'not-json'), SECRET);
  await writeFile(path.join(workspace, 'not-root.json'), '{"mediaType": "application/json"}');
  await symlink(path.join(root, 'secret'), path.join(workspace, 'secret-link'));
  await symlink(path.join(root, 'pub.pem'), path.join(workspace, 'pub-link.pem'));
  await symlink(path.join(root, 'root.json'), path.join(workspace, 'root-link.json'));
  await symlink(root, path.join(workspace, 'up'));
  await symlink('pub.pem', path.join(workspace, 'pub-inside.pem'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const reader = (values: Record<string, string>) => new InputReader((name) => values[name] ?? '');
const pemInput = (value: string) => readPemInput(reader({ 'public-key': value }), 'public-key', workspace);
const trustedRoot = (value: string) => readTrustedRootInput(reader({ 'trusted-root': value }), workspace, sign);

/** What `fn` threw, and what it wrote to stdout (workflow commands). */
function run(fn: () => unknown): { error: unknown; stdout: string } {
  let stdout = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  } finally {
    flushStdout();
    write.mockRestore();
  }
  return { error, stdout };
}

describe('public-key', () => {
  it('reads PEM text, or a file inside the workspace (also through a symlink that stays inside)', () => {
    expect(pemInput(keys.publicPem)).toBe(keys.publicPem.trim());
    expect(pemInput('pub.pem')).toBe(keys.publicPem);
    expect(pemInput('pub-inside.pem')).toBe(keys.publicPem);
    expect(parsePublicKeyInput(pemInput('pub.pem'), sign)?.type).toBe('public');
  });

  it.each(['pub-link.pem', 'up/pub.pem', '../pub.pem'])('never reads %s, which leaves the workspace', (file) => {
    expect(() => pemInput(file)).toThrow(
      expect.objectContaining({ input: 'public-key', message: expect.stringMatching(/outside/) }),
    );
  });

  const ecSec1 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'sec1' });
  it.each([
    ['a PKCS#8 key, inline', keys.privatePem],
    ['an encrypted key, inline', keys.encryptedPem('s3cret')],
    ['a SEC1 key, inline', ecSec1.toString()],
    ['a key file in the workspace', 'key.pem'],
  ])('refuses a private key (%s), masked before anything prints it', (_, value) => {
    const { error, stdout } = run(() => pemInput(value));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ input: 'public-key', message: expect.stringMatching(/is a private key: give its public key/) });
    const pem = value === 'key.pem' ? keys.privatePem : value;
    expect(stdout.startsWith('::add-mask::')).toBe(true);
    for (const line of pem.split('\n').filter((l) => l.length >= 8)) expect(stdout).toContain(`::add-mask::${line}\n`);
    expect((error as Error).message).not.toContain(pem.split('\n')[1]);
  });

  it('is refused by the parser too when it is a private key (its public half would work)', () => {
    expect(() => sign.parsePublicKey(keys.privatePem)).toThrow(/a private key/);
    expect(sign.parsePublicKey(keys.publicPem).type).toBe('public');
  });
});

describe('trusted-root', () => {
  it('reads a trusted_root.json inside the workspace', () => {
    expect(trustedRoot('root.json')?.mediaType).toMatch(/^application\/vnd\.dev\.sigstore\.trustedroot/);
  });

  it.each(['root-link.json', 'secret-link', 'up/root.json'])('never reads %s, which leaves the workspace', (file) => {
    expect(() => trustedRoot(file)).toThrow(
      expect.objectContaining({
        input: 'trusted-root',
        message: expect.stringMatching(/is not a readable file in the workspace .*outside/),
      }),
    );
  });

  it.each([
    ['not-json', /"not-json" is not valid JSON: give a Sigstore trusted_root.json/],
    ['not-root.json', /"not-root.json" is not a Sigstore trusted_root.json/],
  ])('says what is wrong with %s without quoting it', (file, message) => {
    const { error } = run(() => trustedRoot(file));
    expect(error).toMatchObject({ input: 'trusted-root', message: expect.stringMatching(message) });
    expect((error as Error).message).not.toMatch(/SUPERSECRE|application\/json/);
  });
});
