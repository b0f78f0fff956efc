/** SOURCE_DATE_EPOCH: the reproducible-builds clock. Outputs that embed a time use this. */
import { InputError } from './errors.js';
/** The build time: SOURCE_DATE_EPOCH when set (seconds since the epoch), otherwise now. */
export function sourceDate(env = process.env) {
  const raw = env.SOURCE_DATE_EPOCH?.trim();
  if (!raw) return new Date();
  if (!/^\d+$/.test(raw))
    throw new InputError('SOURCE_DATE_EPOCH', `expected whole seconds since 1970, got ${JSON.stringify(raw)}`);
  return new Date(Number(raw) * 1000);
}
/** RFC 3339 UTC without milliseconds, as SLSA and SBOM timestamps are written. */
export function rfc3339(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
