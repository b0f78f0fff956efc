/**
 * `${{ … }}` for the workflow runner: GitHub's own expression language (@actions/expressions) over the template
 * tokens @actions/workflow-parser makes (a string holding expressions is already a `format(…)` call there).
 */
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { isBasicExpression, isBoolean, isMapping, isNumber, isSequence, isString } from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Contexts = Record<string, unknown>;

/** What the status functions answer: success() / failure() / always() / cancelled(). */
export interface Status {
  success: boolean;
  failure: boolean;
}

const CONTEXTS = ['github', 'env', 'vars', 'inputs', 'secrets', 'matrix', 'needs', 'steps', 'job', 'jobs', 'runner', 'strategy'];
const STATUS_FUNCTIONS = ['success', 'failure', 'always', 'cancelled'].map((name) => ({ name, minArgs: 0, maxArgs: 0 }));

export function toData(value: unknown): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}

function fromData(value: data.ExpressionData): Value {
  return JSON.parse(JSON.stringify(value, data.replacer)) as Value;
}

export function evaluate(expression: string, contexts: Contexts, status: Status = { success: true, failure: false }): Value {
  const ast = new Parser(new Lexer(expression).lex().tokens, CONTEXTS, STATUS_FUNCTIONS).parse();
  const answer = (v: boolean) => () => new data.BooleanData(v);
  const functions = new Map([
    ['success', { name: 'success', minArgs: 0, maxArgs: 0, call: answer(status.success) }],
    ['failure', { name: 'failure', minArgs: 0, maxArgs: 0, call: answer(status.failure) }],
    ['always', { name: 'always', minArgs: 0, maxArgs: 0, call: answer(true) }],
    ['cancelled', { name: 'cancelled', minArgs: 0, maxArgs: 0, call: answer(false) }],
  ]);
  // A context the place does not offer reads as empty, as on GitHub (the evaluator fails on a missing one).
  const all = { ...Object.fromEntries(CONTEXTS.map((c) => [c, {}])), ...contexts };
  const dictionary = new data.Dictionary(...Object.entries(all).map(([key, v]) => ({ key, value: toData(v) })));
  return fromData(new Evaluator(ast, dictionary, functions).evaluate());
}

/** GitHub's truthiness: false, 0, -0, NaN, '' and null are false. */
export function truthy(value: Value): boolean {
  if (value === null || value === false || value === '') return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  return true;
}

/** A template token evaluated to plain data (mapping keys too). */
export function tokenValue(token: TemplateToken | undefined, contexts: Contexts, status?: Status): Value {
  if (token === undefined) return null;
  if (isBasicExpression(token)) return evaluate(token.expression, contexts, status);
  if (isString(token)) return token.value;
  if (isBoolean(token) || isNumber(token)) return token.value;
  if (isSequence(token)) return [...token].map((t) => tokenValue(t, contexts, status));
  if (isMapping(token)) {
    const out: Record<string, Value> = {};
    for (const { key, value } of token) out[String(tokenValue(key, contexts, status))] = tokenValue(value, contexts, status);
    return out;
  }
  return null;
}

/** As the runner hands a value to a step or an environment variable. */
export function asString(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function stringMap(value: Value): Record<string, string> {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`expected a mapping, got ${JSON.stringify(value)}`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asString(v)]));
}
