/**
 * The command line: `release-actions <action> --<input> <value> …` runs the very
 * bundle the runner runs (through runBundle), with the current folder as the
 * workspace, the action's log on stderr and its outputs as JSON on stdout.
 */
import type { ActionMetadata } from '../core/action-metadata.ts';
import { runReleaseCli } from '../release/cli.ts';
import { LogMasker } from '../runner/log-masker.ts';
import { actionMetadata, listActions, runBundle } from '../runner/run-bundle.ts';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

export function usage(): string {
  return [
    'Usage: release-actions <action> [--<input> <value>]… ',
    '       release-actions release --config <file>   (the whole chain, locally)',
    '       release-actions <action> --help',
    '',
    'Runs an action locally, exactly as the GitHub runner runs it: the current folder is the workspace,',
    "the action's log goes to stderr and its outputs are printed as JSON on stdout.",
    '',
    'Actions:',
    ...listActions().map((a) => `  ${a}`),
    '',
  ].join('\n');
}

export function actionHelp(name: string, metadata: ActionMetadata): string {
  const lines = [`release-actions ${name} — ${metadata.description}`, '', 'Inputs:'];
  for (const [input, spec] of Object.entries(metadata.inputs)) {
    const flags = [spec.required ? 'required' : undefined, spec.default ? `default: ${JSON.stringify(spec.default)}` : undefined]
      .filter(Boolean)
      .join(', ');
    lines.push(`  --${input}${flags ? ` (${flags})` : ''}`, `      ${spec.description.trim().replace(/\n/g, '\n      ')}`);
  }
  lines.push('', 'Outputs (printed as JSON):');
  for (const [output, spec] of Object.entries(metadata.outputs)) lines.push(`  ${output}: ${spec.description.trim()}`);
  return `${lines.join('\n')}\n`;
}

/** An input's name as our action.yml files spell them; anything else after `--` may be a value, so is never shown. */
const INPUT_NAME = /^[a-z][a-z0-9-]{0,63}$/;

function describeArgument(arg: string, position: number): string {
  return INPUT_NAME.test(arg.slice(2)) ? arg : `argument ${position} (not shown: it may be a secret)`;
}

/**
 * Parses `--name value`, `--name=value` and, for the inputs in `flags` (booleans), a bare `--flag` (true) when no
 * plain word follows. The
 * argument after an input that takes a value is that value whatever it starts with (every PEM key starts with
 * `-----`). Repeated inputs join with newlines. Errors name inputs, never values.
 */
export function parseFlags(
  args: readonly string[],
  known: ReadonlySet<string>,
  flags: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--'))
      throw new Error(`unexpected argument ${i + 1} (not shown: it may be a secret); inputs are given as --<input> <value>`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!known.has(name))
      throw new Error(`unknown input ${describeArgument(`--${name}`, i + 1)}; known inputs: ${[...known].join(', ')}`);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (flags.has(name))
      value = i + 1 < args.length && !(args[i + 1] as string).startsWith('--') ? (args[++i] as string) : 'true';
    else if (i + 1 < args.length) value = args[++i] as string;
    else throw new Error(`--${name} needs a value`);
    inputs[name] = name in inputs ? `${inputs[name]}\n${value}` : value;
  }
  return inputs;
}

/** The inputs that may stand alone as a bare flag: the booleans (their declared default is true or false). */
export function booleanInputs(metadata: ActionMetadata): Set<string> {
  return new Set(
    Object.entries(metadata.inputs)
      .filter(([, spec]) => /^(true|false)$/.test(String(spec.default)))
      .map(([name]) => name),
  );
}

export async function runCli(args: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'release') return runReleaseCli(rest, { ...io, cwd: process.cwd() });
  if (!action || action === '--help' || action === '-h') {
    io.out(usage());
    return action ? 0 : 2;
  }
  if (!listActions().includes(action)) {
    io.err(`unknown action ${JSON.stringify(action)}\n\n${usage()}`);
    return 2;
  }
  const metadata = await actionMetadata(action);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(actionHelp(action, metadata));
    return 0;
  }
  let inputs: Record<string, string>;
  try {
    inputs = parseFlags(rest, new Set(Object.keys(metadata.inputs)), booleanInputs(metadata));
  } catch (error) {
    io.err(`${(error as Error).message}\n`);
    return 2;
  }
  const masker = new LogMasker();
  const result = await runBundle(action, {
    inputs,
    masker,
    workspace: process.cwd(),
    githubContext: false,
    stdio: 'stderr',
    timeoutMs: 6 * 3_600_000,
  });
  io.out(`${masker.redact(JSON.stringify(result.outputs, null, 2))}\n`);
  return result.exitCode;
}
