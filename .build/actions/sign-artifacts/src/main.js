import { NotImplementedError } from '../../../shared/src/core/errors.js';
import { runAction } from '../../../shared/src/core/run-action.js';

await runAction(async ({ inputs }) => {
  inputs.boolean('dry-run');
  throw new NotImplementedError('sign-artifacts');
});
