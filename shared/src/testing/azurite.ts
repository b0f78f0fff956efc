/**
 * A real Azure Blob server for tests: azurite's blob service as a child process
 * of this Node on 127.0.0.1, in memory, with the well-known development account.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitForHttp } from './net.ts';

const AZURITE_ACCOUNT = 'devstoreaccount1';
/** Azurite's published development key (not a secret). */
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const STARTUP_TIMEOUT_MS = 20_000;

export interface AzuriteHandle {
  /** http://127.0.0.1:<port>/devstoreaccount1 */
  endpoint: string;
  accountName: string;
  accountKey: string;
  connectionString: string;
  stop(): Promise<void>;
}

function blobServerEntry(): string {
  const pkg = createRequire(import.meta.url).resolve('azurite/package.json');
  return path.join(path.dirname(pkg), 'dist', 'src', 'blob', 'main.js');
}

/** Waits for azurite to answer, failing early (with its output) if it exits. */
async function waitUntilAnswering(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`azurite exited with ${code}: ${output()}`))),
  );
  exited.catch(() => undefined); // a later exit (stop) is no failure
  await Promise.race([waitForHttp(url, STARTUP_TIMEOUT_MS), exited]);
}

/** Starts azurite on a free port; another process can take the port first, so up to three ports are tried. */
export async function startAzurite(): Promise<AzuriteHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAzuriteOn(await freePort());
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

async function startAzuriteOn(port: number): Promise<AzuriteHandle> {
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
