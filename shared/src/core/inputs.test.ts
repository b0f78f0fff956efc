import { describe, expect, it } from 'vitest';
import { InputError } from './errors.ts';
import { InputReader, parseBoolean, parseDuration, parseEnum, parseInteger, parseList } from './inputs.ts';
import { parseStructured, structuredInput } from './structured-input.ts';

function reader(values: Record<string, string>): InputReader {
  return new InputReader((name) => values[name] ?? '');
}

function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('parsers', () => {
  it('parses booleans as the runner does (YAML 1.2 core schema)', () => {
    expect(parseBoolean('x', 'true')).toBe(true);
    expect(parseBoolean('x', 'False')).toBe(false);
    const error = inputErrorOf(() => parseBoolean('dry-run', 'yes'));
    expect(error.input).toBe('dry-run');
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toContain('"yes"');
  });

  it('parses enums and names the allowed values', () => {
    expect(parseEnum('mode', 'verify', ['sign', 'verify'])).toBe('verify');
    expect(inputErrorOf(() => parseEnum('mode', 'check', ['sign', 'verify'])).message).toContain('sign, verify');
  });

  it('splits lists on newlines and commas, dropping blanks and comments', () => {
    expect(parseList('a, b\n\n c\n# note\nd,')).toEqual(['a', 'b', 'c', 'd']);
    expect(parseList('bin/**/*\n*.tar.gz', { commas: false })).toEqual(['bin/**/*', '*.tar.gz']);
    expect(parseList('{a,b}/x', { commas: false })).toEqual(['{a,b}/x']);
  });

  it('parses durations in Go notation and bare seconds', () => {
    expect(parseDuration('t', '3m')).toBe(180_000);
    expect(parseDuration('t', '1h30m')).toBe(5_400_000);
    expect(parseDuration('t', '250ms')).toBe(250);
    expect(parseDuration('t', '20')).toBe(20_000);
    expect(inputErrorOf(() => parseDuration('timeout', '3 minutes')).input).toBe('timeout');
    expect(() => parseDuration('t', '')).toThrow(InputError);
    // Node's timers overflow above 2^31-1 ms (596.5h) and fire after 1 ms.
    expect(parseDuration('t', '596h')).toBe(596 * 3_600_000);
    expect(() => parseDuration('timeout', '597h')).toThrow(/at most/);
    expect(() => parseDuration('timeout', '100000000')).toThrow(/at most/);
    expect(() => parseDuration('timeout', '0', { min: 1000 })).toThrow(/at least 1s/);
    expect(() => parseDuration('timeout', '999ms', { min: 1000 })).toThrow(/at least 1s/);
  });

  it('parses integers within bounds', () => {
    expect(parseInteger('n', ' 8 ', { min: 1 })).toBe(8);
    expect(() => parseInteger('n', '0', { min: 1 })).toThrow(/at least 1/);
    expect(() => parseInteger('n', '1.5')).toThrow(/whole number/);
  });

  it('parses YAML and JSON', () => {
    expect(parseStructured('c', '{"a": 1}')).toEqual({ a: 1 });
    expect(parseStructured('c', 'a: [1, 2]')).toEqual({ a: [1, 2] });
    expect(inputErrorOf(() => parseStructured('c', 'a: [1')).input).toBe('c');
    expect(structuredInput(reader({ c: ' a: 1 ' }), 'c')).toEqual({ a: 1 });
    expect(structuredInput(reader({ c: '' }), 'c')).toBeUndefined();
  });
});

describe('InputReader', () => {
  it('applies fallbacks only to empty values', () => {
    const inputs = reader({ flag: 'true', n: '', mode: '' });
    expect(inputs.boolean('flag')).toBe(true);
    expect(inputs.boolean('missing', true)).toBe(true);
    expect(inputs.integer('n', 10)).toBe(10);
    expect(inputs.enum('mode', ['a', 'b'], 'b')).toBe('b');
    expect(inputs.optional('n')).toBeUndefined();
  });

  it('resolves workspace paths and names the input on an escape', () => {
    const inputs = reader({ manifest: 'out/release.json', evil: '../../etc/passwd' });
    expect(inputs.workspacePath('manifest', '/ws')).toBe('/ws/out/release.json');
    expect(inputs.workspacePath('absent', '/ws')).toBeUndefined();
    expect(inputErrorOf(() => inputs.workspacePath('evil', '/ws')).input).toBe('evil');
  });

  it('rejects a required input that is empty', () => {
    expect(inputErrorOf(() => reader({}).required('version')).input).toBe('version');
  });
});
