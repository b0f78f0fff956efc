import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const runActionUrl = new URL('./run-action.ts', import.meta.url).href;
const commandsUrl = new URL('./workflow-commands.ts', import.meta.url).href;

/** Runs a module body in a new Node process with stdout on a pipe, as the runner starts an action. */
async function child(body: string): Promise<{ code: number; stdout: string; ms: number }> {
  const started = performance.now();
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', body], {
      timeout: 20_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, ms: performance.now() - started };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout, ms: performance.now() - started };
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
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(15_000);
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
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        logger.info('not reached');
      });`);
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(8_000);
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
