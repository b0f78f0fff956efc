import { describe, expect, it } from 'vitest';
import { type ActionMetadata, inputEnvironment, inputEnvName, parseCommandFile } from './action-metadata.ts';

describe('runner conventions', () => {
  it('names input variables as the runner does', () => {
    expect(inputEnvName('dry-run')).toBe('INPUT_DRY-RUN');
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT');
  });

  it('applies declared defaults, overridden by given values', () => {
    const metadata: ActionMetadata = {
      name: 'x',
      description: 'x',
      inputs: { 'dry-run': { description: 'd', default: 'false' }, files: { description: 'f', required: true } },
      outputs: {},
      runs: { using: 'node24', main: 'index.js' },
    };
    expect(inputEnvironment(metadata, { files: 'a\nb' })).toEqual({ 'INPUT_DRY-RUN': 'false', INPUT_FILES: 'a\nb' });
  });

  it('parses name=value lines and heredoc blocks with multi-line values', () => {
    const text = [
      'simple=value=with=equals',
      'multi<<ghadelimiter_1234',
      'line one',
      '',
      'line three',
      'ghadelimiter_1234',
      'empty<<EOF',
      'EOF',
      '',
    ].join('\n');
    expect(parseCommandFile(text)).toEqual({ simple: 'value=with=equals', multi: 'line one\n\nline three', empty: '' });
    expect(() => parseCommandFile('x<<EOF\nnever closed')).toThrow(/unterminated/);
  });
});
