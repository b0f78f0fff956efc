/**
 * Structured inputs (JSON or YAML), apart from inputs.ts: the YAML parser is a
 * large module (a few tens of milliseconds to load), so only the bundles of
 * actions that take such an input carry it and pay for it at start-up.
 */
import { parse as parseYaml } from 'yaml';
import { InputError } from './errors.ts';
import type { InputReader } from './inputs.ts';

/** JSON or YAML (a superset of JSON) into a plain value. */
export function parseStructured(input: string, raw: string): unknown {
  try {
    return parseYaml(raw);
  } catch (err) {
    throw new InputError(input, `is not valid YAML or JSON (${(err as Error).message.split('\n')[0]})`, { cause: err });
  }
}

/** The input parsed as JSON or YAML; undefined when empty. */
export function structuredInput(inputs: InputReader, name: string): unknown {
  const value = inputs.optional(name);
  return value === undefined ? undefined : parseStructured(name, value);
}
