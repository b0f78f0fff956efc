/** Runs the CLI bundle (dist/cli/index.js) as a user does, in a folder, and collects what it printed. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { repoRoot } from '../runner/run-bundle.ts';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export async function runCliProcess(args: readonly string[], cwd: string): Promise<CliRun> {
  const child = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'cli', 'index.js'), ...args], { cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

/** `--<input> <value>` for each input, in order. */
export function cliArgs(inputs: Record<string, string>): string[] {
  return Object.entries(inputs).flatMap(([name, value]) => [`--${name}`, value]);
}
