import { NotImplementedError } from '../../../shared/src/core/errors.ts';
import { runAction } from '../../../shared/src/core/run-action.ts';

await runAction(async ({ inputs }) => {
  inputs.boolean('dry-run');
  throw new NotImplementedError('publish-binaries');
});
