/**
 * The check every end-to-end test makes on what a step printed: no secret it was given appears anywhere but in the
 * `::add-mask::` lines that hand it to the runner (each line of a multi-line secret counts on its own, as the runner
 * masks them).
 */
import { type RunBundleOptions, type RunResult, runBundle } from '../runner/run-bundle.ts';

export interface PrintedOutput {
  stdout: string;
  stderr: string;
}

/** The lines of `printed` that carry one of the secrets, outside `::add-mask::` lines: empty when the step kept them. */
export function leakedSecrets(printed: PrintedOutput | string, secrets: readonly (string | undefined)[]): string[] {
  const text = typeof printed === 'string' ? printed : `${printed.stdout}\n${printed.stderr}`;
  const needles = secrets
    .filter((s): s is string => s !== undefined && s !== '')
    .flatMap((s) => [s, ...s.split(/\r?\n/).map((line) => line.trim())])
    .filter((s) => s.length >= 8);
  return text
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('::add-mask::'))
    .filter((line) => needles.some((needle) => line.includes(needle)));
}

/** Throws, naming how many lines leaked (not the secrets), when any secret was printed outside a mask command. */
export function assertNoSecrets(printed: PrintedOutput | string, secrets: readonly (string | undefined)[]): void {
  const leaks = leakedSecrets(printed, secrets);
  if (leaks.length > 0)
    throw new Error(`${leaks.length} printed line(s) carry a secret the step was given, e.g. at: ${leaks[0]?.slice(0, 80)}`);
}

/** Every input the actions read through inputs.secret(): their values must never be printed. */
export const SECRET_INPUTS: readonly string[] = [
  'private-key',
  'private-key-password',
  'identity-token',
  's3-access-key-id',
  's3-secret-access-key',
  'azure-connection-string',
  'github-token',
  'cdn-purge-token',
  'gpg-private-key',
  'gpg-passphrase',
  'registry-credentials',
];

/** Environment variables that carry credentials (AWS_SECRET_ACCESS_KEY, ACTIONS_ID_TOKEN_REQUEST_TOKEN, …). */
const SECRET_ENV = /SECRET|TOKEN|PASSWORD|CONNECTION_STRING|ACCOUNT_KEY/;

/** The secrets a run was given: the values of its secret inputs and of its credential variables. */
export function secretsGiven(options: Pick<RunBundleOptions, 'inputs' | 'env'>): string[] {
  const inputs = Object.entries(options.inputs ?? {}).filter(([name]) => SECRET_INPUTS.includes(name));
  const env = Object.entries(options.env ?? {}).filter(([name]) => SECRET_ENV.test(name));
  return [...inputs, ...env].map(([, value]) => value).filter((v): v is string => v !== undefined);
}

/**
 * runBundle, then the check every end-to-end test makes: no secret the step was given (and none of `more`, e.g. a
 * server's credentials) printed outside its `::add-mask::` line.
 */
export async function runBundleScanned(
  action: string,
  options: RunBundleOptions = {},
  more: readonly string[] = [],
): Promise<RunResult> {
  const result = await runBundle(action, options);
  assertNoSecrets(result, [...secretsGiven(options), ...more]);
  return result;
}
