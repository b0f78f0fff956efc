/**
 * The one wrapper every action's entry runs in. It gives the action its inputs,
 * logger and summary; sets outputs; writes the job summary; and turns any failure
 * into one `::error` annotation and exit code 1 — with no stack trace for a
 * problem the user can fix.
 */
import { describeError, InputError, ReleaseError } from './errors.ts';
import { InputReader } from './inputs.ts';
import { actionsLogger, type Logger } from './logger.ts';
import type { Summary } from './summary.ts';
import * as core from './workflow-commands.ts';

export type OutputValue = string | number | boolean | readonly unknown[] | Record<string, unknown>;

export interface ActionIO {
  inputs: InputReader;
  logger: Logger;
  setOutputs(outputs: Record<string, OutputValue>): void;
  writeSummary(summary: Summary): Promise<void>;
}

export function formatOutput(value: OutputValue): string {
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const io: ActionIO = {
  inputs: new InputReader(),
  logger: actionsLogger,
  setOutputs(outputs) {
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, formatOutput(value));
  },
  async writeSummary(summary) {
    core.appendSummary(summary.render());
  },
};

/** Reports a failure as the runner shows it: one annotation, exit code 1. */
export function reportFailure(error: unknown): void {
  process.exitCode = 1;
  if (error instanceof InputError) {
    core.error(error.message, { title: `Invalid input: ${error.input}` });
    return;
  }
  if (error instanceof ReleaseError && error.userError) {
    core.error(describeError(error), { title: error.code });
    return;
  }
  core.error(describeError(error), { title: error instanceof ReleaseError ? error.code : 'Unexpected error' });
  if (error instanceof Error && error.stack) core.debug(error.stack);
}

export async function runAction(main: (io: ActionIO) => Promise<void>): Promise<void> {
  // A failure that escaped every handler (a bug) is reported like any other, not as Node's crash.
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  try {
    await main(io);
  } catch (error) {
    await fail(error);
  }
}

let failing: Promise<never> | undefined;

/** Reports the first failure only (others that follow while the log drains are its consequences), then exits. */
function fail(error: unknown): Promise<never> {
  failing ??= (async () => {
    reportFailure(error);
    // A failed step ends once its log is out: nothing it started in the background (a destination looked at while
    // the tree was hashed, checksums made ahead of uploads) is worth waiting for — against an unreachable store that
    // would be minutes of retries after the error was already reported.
    await core.drainStdout();
    process.exit(1);
  })();
  return failing;
}
