import { describe, expect, it } from 'vitest';
import { LogMasker } from './log-masker.ts';

describe('LogMasker', () => {
  it('drops masking commands and replaces their values in every later line, as the runner does', () => {
    const masker = new LogMasker();
    expect(masker.line('token tok-1234 before its mask')).toBe('token tok-1234 before its mask');
    expect(masker.line('::add-mask::tok-1234')).toBeUndefined();
    expect(masker.line('::add-mask::line one%0Aline two')).toBeUndefined();
    expect(masker.line('::error::refused tok-1234 (Fastly-Key tok-1234)')).toBe('::error::refused *** (Fastly-Key ***)');
    // Escaped as a command's data, and as JSON: the forms a log carries a multi-line value in.
    expect(masker.line('::error::key line one%0Aline two')).toBe('::error::key ***');
    expect(masker.redact('{"key":"line one\\nline two"}')).toBe('{"key":"***"}');
  });
});
