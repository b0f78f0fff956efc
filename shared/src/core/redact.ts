/** Secrets taken out of text a server or a library produced, before it can reach a message or a log. */

export const REDACTED = '***';

/** Every secret in `text` replaced with `***`, the longest first (a line of a key is part of the whole key). */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s !== '').sort((a, b) => b.length - a.length))
    out = out.replaceAll(secret, REDACTED);
  return out;
}

/** The error (and its causes) with every secret redacted from message and stack, in place; returns it. */
export function redactError<T>(error: T, secrets: Iterable<string>): T {
  const list = [...secrets];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    current.message = redact(current.message, list);
    if (current.stack) current.stack = redact(current.stack, list);
    current = current.cause;
  }
  return error;
}
