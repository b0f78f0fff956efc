import { ReleaseError, type ReleaseErrorOptions } from '../core/errors.ts';

/** A problem in the packages config, located at an entry (`packages[1].contents[0].dst`) and its line. */
export class PackageConfigError extends ReleaseError {
  override name = 'PackageConfigError';
  readonly file: string;
  readonly entry: string;
  readonly line: number | undefined;
  constructor(file: string, entry: string, line: number | undefined, problem: string, options: ReleaseErrorOptions = {}) {
    super('PACKAGE_CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: ${entry || '(top)'}: ${problem}`, {
      userError: true,
      ...options,
    });
    this.file = file;
    this.entry = entry;
    this.line = line;
  }
}
