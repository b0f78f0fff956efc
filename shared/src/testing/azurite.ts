/**
 * A real Azure Blob server for tests: azurite's blob service as a child process
 * of this Node on 127.0.0.1, in memory, with the well-known development account.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sleep } from '../core/retry.ts';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
/** Azurite's published development key (not a secret). */
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const STARTUP_TIMEOUT_MS = 20_000;

export interface AzuriteHandle {
  /** http://127.0.0.1:<port>/devstoreaccount1 */
  endpoint: string;
  accountName: string;
  accountKey: string;
  connectionString: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function blobServerEntry(): string {
  const pkg = createRequire(import.meta.url).resolve('azurite/package.json');
  return path.join(path.dirname(pkg), 'dist', 'src', 'blob', 'main.js');
}

async function waitUntilAnswering(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`azurite exited with ${child.exitCode}: ${output()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`azurite did not answer on ${url} within ${STARTUP_TIMEOUT_MS} ms: ${output()}`);
}

export async function startAzurite(): Promise<AzuriteHandle> {
  const port = await freePort();
  const location = await mkdtemp(path.join(tmpdir(), 'azurite-'));
  const child = spawn(
    process.execPath,
    [
      blobServerEntry(),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--loose',
      '--silent',
      '--disableTelemetry',
    ],
    // In memory; the temporary working directory catches anything azurite still writes.
    { cwd: location, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(location, { recursive: true, force: true });
  };
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  try {
    await waitUntilAnswering(`${endpoint}?comp=list`, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoint,
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
    stop,
  };
}
