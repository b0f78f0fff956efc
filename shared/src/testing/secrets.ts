/**
 * The check every end-to-end test makes on what a step printed: no secret it was given appears anywhere but in the
 * `::add-mask::` lines that hand it to the runner (each line of a multi-line secret counts on its own, as the runner
 * masks them).
 */
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
