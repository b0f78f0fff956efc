import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionMetadata, repoRoot } from '../runner/run-bundle.ts';
import { actionHelp, parseFlags, runCli } from './cli.ts';

function capture() {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}

describe('CLI', () => {
  it('parses --name value, --name=value, bare flags and repeated inputs', () => {
    const known = new Set(['files', 'dry-run', 'version']);
    expect(parseFlags(['--files', 'a', '--files=b', '--dry-run', '--version', 'v1.0.0'], known, new Set(['dry-run']))).toEqual({
      files: 'a\nb',
      'dry-run': 'true',
      version: 'v1.0.0',
    });
    expect(() => parseFlags(['--nope', 'x'], known)).toThrow(/unknown input --nope/);
    expect(() => parseFlags(['stray'], known)).toThrow(/unexpected argument/);
  });

  it('takes the argument after an input as its value whatever it starts with; errors never repeat a value', () => {
    const known = new Set(['private-key', 'private-key-password', 'dry-run']);
    const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----';
    expect(
      parseFlags(['--private-key', pem, '--private-key-password', '--S3cret-pw', '--dry-run'], known, new Set(['dry-run'])),
    ).toEqual({
      'private-key': pem,
      'private-key-password': '--S3cret-pw',
      'dry-run': 'true',
    });
    expect(parseFlags(['--dry-run', 'false'], known, new Set(['dry-run']))).toEqual({ 'dry-run': 'false' });
    for (const args of [
      ['--dry-run', '--S3cret-Value=with-equals'],
      ['--dry-run', '-----BEGIN PRIVATE KEY-----'],
      ['--private-key'],
    ]) {
      let message = '';
      try {
        parseFlags(args, known, new Set(['dry-run']));
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toMatch(/S3cret|BEGIN/);
    }
  });

  it('lists the inputs of an action from its action.yml', async () => {
    const metadata = await actionMetadata('promote-images');
    const help = actionHelp('promote-images', metadata);
    for (const input of Object.keys(metadata.inputs)) expect(help).toContain(`--${input}`);
    const io = capture();
    expect(await runCli(['promote-images', '--help'], io)).toBe(0);
    expect(io.stdout).toBe(help);
  });

  it('rejects unknown actions and inputs with usage, exit 2', async () => {
    const io = capture();
    expect(await runCli(['deploy-everything'], io)).toBe(2);
    expect(io.stderr).toContain('unknown action');
    expect(await runCli(['update-markers', '--colour', 'blue'], io)).toBe(2);
  });

  it('never shows a secret: the masking commands that carry them are left out of the log', () => {
    const secret = 'cdn-purge-secret-0123456789';
    const cli = path.join(repoRoot(), 'dist', 'cli', 'index.js');
    const run = spawnSync(
      process.execPath,
      [
        cli,
        'update-markers',
        ...['--cdn-purge-token', secret, '--cdn-purge-url', 'https://purge.example/x', '--version', 'v1.31.2'],
        ...['--destination', `file://${path.join(tmpdir(), 'cli-no-such-release')}`],
      ],
      { encoding: 'utf8', cwd: tmpdir() },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('RELEASE_MISSING');
    expect(`${run.stdout}${run.stderr}`).not.toContain(secret);
  });

  it('runs the bundle in the current folder and prints outputs as JSON; failures exit 1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cli-'));
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      const io = capture();
      const code = await runCli(['build-packages', '--config', 'nfpm.yaml', '--repository', 'maybe'], io);
      expect(code).toBe(1);
      expect(JSON.parse(io.stdout)).toEqual({});
    } finally {
      process.chdir(cwd);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
