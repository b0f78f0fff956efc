/**
 * CPU-seconds of this process's threads by kind, from /proc/self/task (Linux; elsewhere empty): where a benchmark's
 * CPU went, which process.cpuUsage() sums into one figure. Node names its threads: MainThread, WorkerThread (worker
 * threads, here the hashing threads), libuv-worker (the thread pool: fs/promises calls), V8Worker (GC, compiling).
 * Also other processes' CPU (a tool the bench runs, the servers it talks to), from /proc too.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on every Linux build Node supports). */
const TICKS = 100;

/** The fields of a /proc stat file after the name (which is in parentheses and may hold spaces): state first. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The CPU-seconds a process has spent so far (Linux; undefined elsewhere, or once it has exited). */
export function processCpu(pid: number): number | undefined {
  try {
    const fields = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime
  } catch {
    return undefined;
  }
}

/** The CPU-seconds of this process's children that have exited and been waited for (Linux; undefined elsewhere). */
export function exitedChildrenCpu(): number | undefined {
  try {
    const fields = statFields(readFileSync('/proc/self/stat', 'utf8'));
    return (Number(fields[13]) + Number(fields[14])) / TICKS; // cutime, cstime
  } catch {
    return undefined;
  }
}

/** Each thread's CPU-seconds so far, by thread id, with its name. */
export function threadCpu(): Map<string, { name: string; seconds: number }> {
  const threads = new Map<string, { name: string; seconds: number }>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return threads;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // The thread exited while listed.
    }
    const fields = statFields(stat);
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    threads.set(tid, { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), seconds: ticks / TICKS });
  }
  return threads;
}

/** CPU-seconds each kind of thread spent since `before` (threads started since count from zero), by thread name. */
export function cpuByThreadName(before: ReturnType<typeof threadCpu>): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const [tid, { name, seconds }] of threadCpu()) {
    const spent = seconds - (before.get(tid)?.seconds ?? 0);
    if (spent > 0) byName[name] = (byName[name] ?? 0) + spent;
  }
  return byName;
}
