/**
 * Secrets given to the CLI never come back on its output: a value that starts with `--` is still a value, and
 * whatever a step or a server echoes is shown through the step's own masks, as the runner shows it.
 * (Bundles first: node shared/scripts/bundle.ts cli sign-artifacts update-markers.)
 */
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runBundle } from '../runner/run-bundle.ts';
import { cliArgs, runCliProcess } from '../testing/cli.ts';
import { leakedSecrets } from '../testing/secrets.ts';
import { testIdentityToken, testKeyPair } from '../testing/sigstore.ts';

/** A server that refuses everything with an echo of the request, headers and body, as some proxies and CDNs do. */
async function echoServer(status: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `refused ${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body}` }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

let scratch: string;
let workspace: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'cli-secrets-'));
  workspace = path.join(scratch, 'ws');
  await mkdir(path.join(workspace, 'rel'), { recursive: true });
  await writeFile(path.join(workspace, 'rel', 'kubectl'), 'binary');
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const OFFLINE = ['--rekor-url', 'none', '--tsa-url', 'none', '--provenance', 'false'];

describe('CLI secrets', () => {
  it('takes a PEM key and a password that start with dashes as values, and prints neither', async () => {
    const { privatePem } = testKeyPair();
    const password = '--S3cret-password-0123';
    const run = await runCliProcess(
      ['sign-artifacts', '--files', 'rel/**', '--signing', 'key', '--private-key', privatePem, ...OFFLINE, '--dry-run'],
      workspace,
    );
    expect(run.stderr).not.toContain('unknown input');
    expect(run.status).toBe(0);
    expect(leakedSecrets(run, [privatePem])).toEqual([]);
    const withPassword = await runCliProcess(
      [
        ...['sign-artifacts', '--files', 'rel/**', '--signing', 'key', '--private-key', privatePem],
        ...['--private-key-password', password, ...OFFLINE, '--dry-run'],
      ],
      workspace,
    );
    expect(withPassword.status).not.toBe(2);
    expect(leakedSecrets(withPassword, [privatePem, password])).toEqual([]);
  });

  it("masks an identity token that Fulcio's error quotes back, through the runner and through the CLI", async () => {
    const { url, server } = await echoServer(400);
    try {
      const token = testIdentityToken({
        sub: 'https://github.com/x/y/.github/workflows/r.yml@refs/tags/v1',
        iss: 'https://i.example',
      });
      const inputs = {
        files: 'rel/**',
        'identity-token': token,
        'fulcio-url': url,
        'rekor-url': 'none',
        'tsa-url': url,
        'trusted-root': 'root.json',
        provenance: 'false',
        'retry-budget': '1s',
      };
      await copyFile(path.join(repoRoot(), 'shared/src/sign/public-good-trusted-root.json'), path.join(workspace, 'root.json'));
      const step = await runBundle('sign-artifacts', { workspace, inputs });
      expect(step.exitCode).toBe(1);
      expect(step.annotations[0]?.properties.title).toBe('SIGNING_FAILED');
      expect(leakedSecrets(step, [token])).toEqual([]);
      const run = await runCliProcess(['sign-artifacts', ...cliArgs(inputs)], workspace);
      expect(run.status).toBe(1);
      expect(leakedSecrets(run, [token])).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('keeps the CDN token out of the error when the purge endpoint echoes the request, through the runner and through the CLI', async () => {
    const { url, server } = await echoServer(403);
    const bucket = path.join(scratch, 'bucket');
    await mkdir(path.join(bucket, 'release', 'v1.31.2'), { recursive: true });
    await writeFile(path.join(bucket, 'release', 'v1.31.2', 'index.json'), '{}');
    try {
      const token = '--tok-fastly-0123456789abcdef';
      const inputs = {
        version: 'v1.31.2',
        destination: pathToFileURL(bucket).toString(),
        'cdn-purge-url': `${url}/purge`,
        'cdn-purge-token': token,
      };
      const step = await runBundle('update-markers', { workspace, inputs });
      expect(step.stdout).toContain('refused POST');
      expect(leakedSecrets(step, [token])).toEqual([]);
      await rm(path.join(bucket, 'release', 'markers.json'), { force: true });
      const run = await runCliProcess(['update-markers', ...cliArgs(inputs)], workspace);
      expect(run.status).not.toBe(2);
      expect(leakedSecrets(run, [token])).toEqual([]);
    } finally {
      server.close();
    }
  });
});
