/**
 * The command line: `release-actions <action> --<input> <value> …` runs the very
 * bundle the runner runs (through runBundle), with the current folder as the
 * workspace, the action's log on stderr and its outputs as JSON on stdout.
 */
import type { ActionMetadata } from '../core/action-metadata.ts';
import { runReleaseCli } from '../release/cli.ts';
import { ACTIONS, actionMetadata, runBundle } from '../runner/run-bundle.ts';

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
    ...ACTIONS.map((a) => `  ${a}`),
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

/** Parses `--name value`, `--name=value` and a bare `--flag` (true). Repeated inputs join with newlines. */
export function parseFlags(args: readonly string[], known: ReadonlySet<string>): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--'))
      throw new Error(`unexpected argument ${JSON.stringify(arg)}; inputs are given as --<input> <value>`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!known.has(name)) throw new Error(`unknown input --${name}; known inputs: ${[...known].join(', ')}`);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (i + 1 < args.length && !(args[i + 1] as string).startsWith('--')) value = args[++i] as string;
    else value = 'true';
    inputs[name] = name in inputs ? `${inputs[name]}\n${value}` : value;
  }
  return inputs;
}

export async function runCli(args: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'release') return runReleaseCli(rest, { ...io, cwd: process.cwd() });
  if (!action || action === '--help' || action === '-h') {
    io.out(usage());
    return action ? 0 : 2;
  }
  if (!(ACTIONS as readonly string[]).includes(action)) {
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
    inputs = parseFlags(rest, new Set(Object.keys(metadata.inputs)));
  } catch (error) {
    io.err(`${(error as Error).message}\n`);
    return 2;
  }
  const result = await runBundle(action, {
    inputs,
    workspace: process.cwd(),
    githubContext: false,
    stdio: 'stderr',
    timeoutMs: 6 * 3_600_000,
  });
  io.out(`${JSON.stringify(result.outputs, null, 2)}\n`);
  return result.exitCode;
}
