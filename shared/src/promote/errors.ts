/** What promote-images reports: bad promotion manifests (file, image, field, line) and failed edges. */
import { ReleaseError, type ReleaseErrorOptions } from '../core/errors.ts';

/** A promotion manifest or inline list the user must fix; names the file, the image and the field. */
export class PromotionSpecError extends ReleaseError {
  override name = 'PromotionSpecError';
  readonly file: string;
  readonly field: string;
  constructor(where: { file: string; field: string; image?: string | undefined; line?: number | undefined }, problem: string) {
    const at = `${where.file}${where.line ? `:${where.line}` : ''}`;
    super('INPUT_INVALID', `${at}: ${where.image ? `image ${where.image}: ` : ''}${where.field}: ${problem}`, {
      userError: true,
    });
    this.file = where.file;
    this.field = where.field;
  }
}

/** Edges refused at planning time (two digests for one tag): nothing is written. */
export class PlanConflictError extends ReleaseError {
  override name = 'PlanConflictError';
  constructor(problems: readonly string[]) {
    super('PROMOTION_FAILED', `the plan is refused before any write: ${problems.join('; ')}`, { userError: true });
  }
}

/** One or more edges failed; every one is in the report. */
export class PromotionFailedError extends ReleaseError {
  override name = 'PromotionFailedError';
  constructor(failures: readonly string[], options: ReleaseErrorOptions = {}) {
    super(
      'PROMOTION_FAILED',
      `${failures.length} promotion edge(s) failed: ${failures.slice(0, 10).join('; ')}${failures.length > 10 ? '; …' : ''}`,
      { userError: true, ...options },
    );
  }
}
