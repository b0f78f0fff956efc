/** SOURCE_DATE_EPOCH: the reproducible-builds clock. Outputs that embed a time use this. */
import { InputError } from './errors.ts';

const LAST_RFC3339_SECOND = 253_402_300_799;

/** The build time: SOURCE_DATE_EPOCH when set (seconds since the epoch), otherwise now. */
export function sourceDate(env: NodeJS.ProcessEnv = process.env): Date {
  const raw = env.SOURCE_DATE_EPOCH?.trim();
  if (!raw) return new Date();
  if (!/^\d+$/.test(raw))
    throw new InputError('SOURCE_DATE_EPOCH', `expected whole seconds since 1970, got ${JSON.stringify(raw)}`);
  // Past 9999-12-31T23:59:59Z a time has no RFC 3339 form (milliseconds given by mistake land there).
  if (Number(raw) > LAST_RFC3339_SECOND)
    throw new InputError(
      'SOURCE_DATE_EPOCH',
      `${raw} is after the year 9999: expected seconds since 1970, not milliseconds (${Math.floor(Number(raw) / 1000)}?)`,
    );
  return new Date(Number(raw) * 1000);
}

/** RFC 3339 UTC without milliseconds, as SLSA and SBOM timestamps are written. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
