/**
 * Typed input parsing. Parsers are pure functions over the raw string so they can
 * be tested alone; `InputReader` binds them to a source (the runner's INPUT_*
 * variables, or the CLI's flags) and is the only place that
 * reads inputs.
 */

import path from 'node:path';
import { InputError, UnsafePathError } from './errors.ts';
import { resolveInside } from './paths.ts';
import { getInput, setSecret } from './workflow-commands.ts';

export type InputSource = (name: string) => string;

/** Reads inputs exactly as the runner passes them: INPUT_<NAME>, spaces → '_', upper-cased. */
export const runnerInputs: InputSource = (name) => getInput(name);

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

export function parseBoolean(input: string, raw: string): boolean {
  const value = raw.trim();
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new InputError(input, `expected true or false, got ${JSON.stringify(value)}`);
}

export function parseEnum<const T extends string>(input: string, raw: string, allowed: readonly T[]): T {
  const value = raw.trim();
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(input, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

/** A list from newlines and/or commas; blank entries and `#` comments are dropped. */
export function parseList(raw: string, { commas = true }: { commas?: boolean } = {}): string[] {
  return raw
    .split(/\r?\n/)
    .flatMap((line) => (commas ? line.split(',') : [line]))
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'));
}

export function parseInteger(input: string, raw: string, { min, max }: { min?: number; max?: number } = {}): number {
  const value = raw.trim();
  if (!/^-?\d+$/.test(value)) throw new InputError(input, `expected a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (min !== undefined && n < min) throw new InputError(input, `must be at least ${min}, got ${n}`);
  if (max !== undefined && n > max) throw new InputError(input, `must be at most ${max}, got ${n}`);
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest delay Node's timers take (2^31-1 ms, ~24.8 days): a longer one fires after 1 ms. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Durations as Go writes them: "90s", "3m", "1h30m", "250ms"; a bare number is seconds. Every duration ends up in a
 * timer, so none may exceed MAX_DURATION_MS; `min` is the shortest that makes sense for the input.
 */
export function parseDuration(input: string, raw: string, { min = 0 }: { min?: number } = {}): number {
  const value = raw.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  if (/^\d+$/.test(value)) [total, consumed] = [Number(value) * 1000, value.length];
  else
    for (let m = re.exec(value); m; m = re.exec(value)) {
      total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
      consumed = re.lastIndex;
    }
  if (value === '' || consumed !== value.length) {
    throw new InputError(input, `expected a duration such as 90s, 3m or 1h30m, got ${JSON.stringify(value)}`);
  }
  const ms = Math.round(total);
  if (ms < min) throw new InputError(input, `must be at least ${formatMs(min)}, got ${JSON.stringify(value)}`);
  if (ms > MAX_DURATION_MS) throw new InputError(input, `must be at most 596h (a timer's limit), got ${JSON.stringify(value)}`);
  return ms;
}

export class InputReader {
  readonly #source: InputSource;
  constructor(source: InputSource = runnerInputs) {
    this.#source = source;
  }

  raw(name: string): string {
    return this.#source(name).trim();
  }

  /** An optional string: undefined when empty. */
  optional(name: string): string | undefined {
    const value = this.raw(name);
    return value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.raw(name);
    if (value === '') throw new InputError(name, 'is required but was empty');
    return value;
  }

  boolean(name: string, fallback = false): boolean {
    const value = this.raw(name);
    return value === '' ? fallback : parseBoolean(name, value);
  }

  enum<const T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    const value = this.raw(name);
    if (value === '') {
      if (fallback !== undefined) return fallback;
      throw new InputError(name, `is required: one of ${allowed.join(', ')}`);
    }
    return parseEnum(name, value, allowed);
  }

  list(name: string, options?: { commas?: boolean }): string[] {
    return parseList(this.#source(name), options);
  }

  integer(name: string, fallback: number, bounds?: { min?: number; max?: number }): number {
    const value = this.raw(name);
    return value === '' ? fallback : parseInteger(name, value, bounds);
  }

  duration(name: string, fallbackMs: number, bounds?: { min?: number }): number {
    const value = this.raw(name);
    return value === '' ? fallbackMs : parseDuration(name, value, bounds);
  }

  /** A path inside the workspace (absolute result); undefined when empty; an escape is an error naming the input. */
  workspacePath(name: string, workspace: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    try {
      return resolveInside(workspace, value);
    } catch (err) {
      if (err instanceof UnsafePathError) throw new InputError(name, err.message, { cause: err });
      throw err;
    }
  }

  /** A secret: masked in the log before anything else can print it. */
  secret(name: string): string | undefined {
    const value = this.optional(name);
    if (value !== undefined) maskSecret(value);
    return value;
  }
}

/** The workspace every relative path is resolved against: GITHUB_WORKSPACE on a runner, else the current folder. */
export function workspaceDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.GITHUB_WORKSPACE || process.cwd());
}

/** Masks a secret and each of its lines (a PEM key is masked line by line by the runner). */
export function maskSecret(value: string): void {
  setSecret(value);
  for (const line of value.split(/\r?\n/)) {
    if (line.trim().length >= 8) setSecret(line.trim());
  }
}
