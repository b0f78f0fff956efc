import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const runActionUrl = new URL('./run-action.ts', import.meta.url).href;
const commandsUrl = new URL('./workflow-commands.ts', import.meta.url).href;

/**
 * Runs a module body in a new Node process with stdout on a pipe, as the runner starts an action. The bodies leave
 * work that would keep the process alive for a minute; a process that waits for it is killed at 45 s and reported
 * with its signal, so "ended on its own" is the outcome tested, not how fast a busy machine ran it.
 */
async function child(body: string): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', body], {
      timeout: 45_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, signal: null, stdout };
  } catch (error) {
    const e = error as { code: number | null; signal: string | null; stdout: string };
    return { code: e.code, signal: e.signal, stdout: e.stdout };
  }
}

describe('an action process', () => {
  it('ends at once when it fails, its log complete, without waiting for work it left running', async () => {
    const run = await child(`
      import { runAction } from ${JSON.stringify(runActionUrl)};
      await runAction(async ({ logger }) => {
        setTimeout(() => {}, 60_000);
        for (let i = 0; i < 20_000; i++) logger.info('line ' + i + ' ' + 'x'.repeat(40));
        throw new Error('boom');
      });`);
    expect(run).toMatchObject({ code: 1, signal: null });
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('line '))).toHaveLength(20_000);
    expect(lines.at(-2)).toMatch(/^::error title=Unexpected error::boom$/);
  });

  it('reports a rejection nothing handled as a failure, with its log, instead of crashing', async () => {
    const run = await child(`
      import { runAction } from ${JSON.stringify(runActionUrl)};
      await runAction(async ({ logger }) => {
        logger.info('working');
        Promise.reject(new Error('lost'));
        Promise.reject(new Error('lost too'));
        await new Promise((resolve) => setTimeout(resolve, 60_000));
        logger.info('not reached');
      });`);
    expect(run).toMatchObject({ code: 1, signal: null });
    expect(run.stdout).toContain('working\n');
    expect(run.stdout).toMatch(/^::error title=Unexpected error::lost$/m);
    expect(run.stdout.match(/^::error/gm)).toHaveLength(1);
    expect(run.stdout).not.toContain('not reached');
  });

  it('writes every buffered line even when it is ended by process.exit', async () => {
    const run = await child(`
      import { info } from ${JSON.stringify(commandsUrl)};
      for (let i = 0; i < 20_000; i++) info('line ' + i + ' ' + 'x'.repeat(40));
      process.exit(0);`);
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(20_000);
  });
});
