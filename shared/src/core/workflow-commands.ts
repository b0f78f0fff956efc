/**
 * The runner protocol, written directly: INPUT_* variables, the GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files (heredoc form), and `::command::` lines on stdout.
 * @actions/core does the same but pulls an HTTP client into every bundle, which
 * lengthens every step's cold start; this module is all our actions need.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, writeSync } from 'node:fs';
import { EOL } from 'node:os';

export interface AnnotationProperties {
  title?: string;
  file?: string;
  line?: number;
}

/** Escapes a command's message ("data"). */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a command property's value. */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

let pending = '';
let flushScheduled = false;

/**
 * Writes what the log lines of this event-loop turn left in the buffer. Runs on its own once per turn; a test that
 * replaces process.stdout.write calls it before looking.
 */
export function flushStdout(): void {
  flushScheduled = false;
  if (pending === '') return;
  const text = pending;
  pending = '';
  process.stdout.write(text);
}

/**
 * Everything for stdout goes through one buffer, written once per event-loop turn: a write is a syscall, and a
 * publish logs a line per file of a release, hundreds of them. The order of lines
 * is kept (an add-mask still precedes any line that could carry its secret). The flush is an ordinary immediate, so
 * the process cannot end with lines still buffered; a pipe write still in progress keeps it alive until done.
 */
function writeStdout(text: string): void {
  pending += text;
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flushStdout);
}

/**
 * Writes the buffer, then waits until stdout has taken everything queued (a pipe accepts 64 KiB at a time) — or
 * can take nothing more (the reader went away).
 */
export async function drainStdout(): Promise<void> {
  flushStdout();
  if (process.stdout.writableLength === 0) return;
  await new Promise((resolve) => {
    for (const event of ['drain', 'error', 'close']) process.stdout.once(event, resolve);
  });
}

// Only a process.exit() can leave lines in the buffer: written synchronously, as nothing asynchronous runs at exit.
process.on('exit', () => {
  if (pending !== '') writeSync(1, pending);
  pending = '';
});

export function issueCommand(command: string, properties: Record<string, string | number | undefined>, message: string): void {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  writeStdout(`::${command}${props ? ` ${props}` : ''}::${escapeData(message)}${EOL}`);
}

/** An input as the runner passes it: INPUT_<NAME>, spaces → '_', upper-cased; trimmed. */
export function getInput(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** `name<<DELIMITER` … `DELIMITER`, with a delimiter that cannot occur in the value. */
export function heredoc(name: string, value: string): string {
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`output ${name} contains its delimiter`);
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`;
}

export function setOutput(name: string, value: string): void {
  const file = process.env.GITHUB_OUTPUT;
  if (file) appendFileSync(file, heredoc(name, value));
  else issueCommand('set-output', { name }, value);
}

export function setSecret(value: string): void {
  issueCommand('add-mask', {}, value);
}

/**
 * A log message, shown as it is except that no line of it can be read as a workflow command — from a file name
 * with a line break in it, or a server's answer: a line that starts with `::` (after whitespace, which the runner
 * trims, U+0085 included) gets a zero-width space before the `::`, which the runner does not trim; and the old form,
 * `##[command]`, which the runner finds anywhere in a line, one inside its `##[`.
 */
export function info(message: string): void {
  const plain = message.replace(/(^|[\r\n])(?:[^\S\r\n]|\u0085)*::/g, (m) => `${m.slice(0, -2)}\u200b::`);
  writeStdout(`${plain.replaceAll('##[', '##\u200b[')}${EOL}`);
}

export function debug(message: string): void {
  issueCommand('debug', {}, message);
}

export function warning(message: string, properties: AnnotationProperties = {}): void {
  issueCommand('warning', { ...properties }, message);
}

export function error(message: string, properties: AnnotationProperties = {}): void {
  issueCommand('error', { ...properties }, message);
}

export async function group<T>(title: string, fn: () => Promise<T>): Promise<T> {
  issueCommand('group', {}, title);
  try {
    return await fn();
  } finally {
    issueCommand('endgroup', {}, '');
  }
}

/** Appends markdown to the job summary; a no-op outside a runner (no GITHUB_STEP_SUMMARY). */
export function appendSummary(markdown: string): void {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (file) appendFileSync(file, markdown.endsWith(EOL) ? markdown : `${markdown}${EOL}`);
}
