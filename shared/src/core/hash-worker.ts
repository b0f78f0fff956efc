/**
 * A hashing thread (started by hasher.ts): answers each HashRequest with readDigests' result or the error's fields.
 * Bundled as a file of its own beside each bundle that hashes (shared/scripts/bundle.ts).
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { CHUNK, type HashRequest, readDigests } from './file-digests.ts';

export interface WorkerData {
  /** Nice steps below the thread that started it (Linux only, where a nice value is a thread's own). */
  niceStep: number;
}

const { niceStep } = workerData as WorkerData;
if (niceStep > 0 && process.platform === 'linux') {
  try {
    // pid 0: this thread.
    setPriority(0, Math.min(19, getPriority(0) + niceStep));
  } catch {
    // Hashing at the caller's priority is still correct.
  }
}

const buffer = Buffer.allocUnsafe(CHUNK);
parentPort?.on('message', (request: HashRequest) => {
  try {
    parentPort?.postMessage({ hashed: readDigests(request, buffer) });
  } catch (err) {
    const { message, code, errno, syscall, path } = err as NodeJS.ErrnoException;
    parentPort?.postMessage({ error: { message, code, errno, syscall, path } });
  }
});
