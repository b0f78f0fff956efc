/**
 * What a step undoes when it is cancelled: the runner sends SIGINT, then SIGTERM; a user presses Ctrl-C. Cleanups
 * registered here (a temporary file being written) run synchronously on either signal, then the process exits as a
 * shell reports the signal: 130 for SIGINT, 143 for SIGTERM. SIGKILL cannot be caught: what it leaves is removed by
 * the next run (FileStorage.list drops temporary files whose writer is gone).
 */
import { writeSync } from 'node:fs';

const cleanups = new Set<() => void>();
let installed = false;

const EXIT_CODE = { SIGINT: 130, SIGTERM: 143 } as const;

function interrupted(signal: keyof typeof EXIT_CODE): void {
  const pending = [...cleanups];
  cleanups.clear();
  for (const cleanup of pending) {
    try {
      cleanup();
    } catch {
      // The next run removes what could not be removed now.
    }
  }
  writeSync(2, `Interrupted by ${signal}: ${pending.length} write(s) in progress undone\n`);
  process.exit(EXIT_CODE[signal]);
}

/** Registers a synchronous cleanup for SIGINT/SIGTERM; returns its removal (call it once the work is done). */
export function onInterrupt(cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => interrupted(signal));
  }
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/** Whether a process of this id runs on this machine (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
