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

/**
 * An existing repository whose signature, index hashes or package files do not verify. It is not extended: its
 * indexes would be signed again with whatever was changed in them.
 */
export class RepositoryTamperedError extends ReleaseError {
  override name = 'RepositoryTamperedError';
  readonly file: string;
  constructor(file: string, problem: string) {
    super(
      'VERIFICATION_FAILED',
      `${file}: ${problem}. Nothing was written: restore the repository from a copy you trust, or start a new repository-dir`,
      { userError: true },
    );
    this.file = file;
  }
}
