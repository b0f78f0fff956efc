/**
 * The one wrapper every action's entry runs in. It gives the action its inputs,
 * logger and summary; sets outputs; writes the job summary; and turns any failure
 * into one `::error` annotation and exit code 1 — with no stack trace for a
 * problem the user can fix.
 */
import * as core from '@actions/core';
import { describeError, InputError, ReleaseError } from './errors.js';
import { InputReader } from './inputs.js';
import { actionsLogger } from './logger.js';
export function formatOutput(value) {
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}
const io = {
  inputs: new InputReader(),
  logger: actionsLogger,
  setOutputs(outputs) {
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, formatOutput(value));
  },
  async writeSummary(summary) {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    await core.summary.addRaw(summary.render()).write();
  },
};
/** Reports a failure as the runner shows it: one annotation, exit code 1. */
export function reportFailure(error) {
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
export async function runAction(main) {
  try {
    await main(io);
  } catch (error) {
    reportFailure(error);
  }
}
