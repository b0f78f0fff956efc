import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAnnotations } from '../runner/run-bundle.ts';
import { parseCommandFile } from './action-metadata.ts';
import { error, flushStdout, getInput, group, info, issueCommand, setOutput } from './workflow-commands.ts';

function captureStdout(fn: () => void): string {
  let text = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    fn();
    flushStdout();
  } finally {
    spy.mockRestore();
  }
  return text;
}

afterEach(() => vi.unstubAllEnvs());

describe('runner protocol', () => {
  it('reads inputs by the runner naming rule, trimmed', () => {
    expect(getInput('dry-run', { 'INPUT_DRY-RUN': ' true\n' })).toBe('true');
    expect(getInput('my input', { INPUT_MY_INPUT: 'x' })).toBe('x');
    expect(getInput('absent', {})).toBe('');
  });

  it('writes outputs in heredoc form, multi-line values intact', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'wc-'));
    try {
      const file = path.join(dir, 'out');
      vi.stubEnv('GITHUB_OUTPUT', file);
      setOutput('bundles', '["a","b"]');
      setOutput('notes', 'line 1\nline 2\n');
      expect(await readFile(file, 'utf8')).toMatch(/^bundles<<ghadelimiter_[0-9a-f-]{36}\n/);
      expect(parseCommandFile(await readFile(file, 'utf8'))).toEqual({ bundles: '["a","b"]', notes: 'line 1\nline 2\n' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('escapes annotation data and properties as the runner reads them', () => {
    const out = captureStdout(() => error('bad: 100%\nsecond line', { title: 'Invalid input: a,b' }));
    expect(out).toBe('::error title=Invalid input%3A a%2Cb::bad: 100%25%0Asecond line\n');
    expect(parseAnnotations(out)).toEqual([
      { level: 'error', properties: { title: 'Invalid input: a,b' }, message: 'bad: 100%\nsecond line' },
    ]);
  });

  it('brackets groups even when the body throws', async () => {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      await expect(group('Upload', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
      flushStdout();
    } finally {
      spy.mockRestore();
    }
    expect(out).toBe('::group::Upload\n::endgroup::\n');
  });

  it('logs a message no line of which starts a workflow command', () => {
    const name = 'bin/x\n::stop-commands::pwn\r\n  ::error title=forged::hi\r::add-mask::';
    const out = captureStdout(() => info(`upload ${name} done`));
    expect(out.split(/\r\n|\n|\r/).filter((line) => line.trimStart().startsWith('::'))).toEqual([]);
    expect(out.replaceAll('\u200b', '')).toBe(`upload ${name} done\n`);
    expect(captureStdout(() => info('::notice::x'))).toBe('\u200b::notice::x\n');
    // The old form anywhere in a line, and a NEL the runner trims.
    expect(captureStdout(() => info('a##[stop-commands]tok'))).toBe('a##\u200b[stop-commands]tok\n');
    expect(captureStdout(() => info('x\n\u0085 ::stop-commands::tok'))).toBe('x\n\u0085 \u200b::stop-commands::tok\n');
  });

  it('masks secrets with add-mask', () => {
    expect(captureStdout(() => issueCommand('add-mask', {}, 's3cr3t'))).toBe('::add-mask::s3cr3t\n');
  });

  it('writes the lines of one event-loop turn in one write, in order, and the rest at the next turn', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      issueCommand('add-mask', {}, 's3cr3t');
      for (let i = 0; i < 3; i++) info(`line ${i}`);
      expect(writes).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
      info('next turn');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      spy.mockRestore();
    }
    expect(writes).toEqual(['::add-mask::s3cr3t\nline 0\nline 1\nline 2\n', 'next turn\n']);
  });
});
