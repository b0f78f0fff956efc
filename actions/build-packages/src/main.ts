import { NotImplementedError } from '../../../shared/src/core/errors.ts';
import { runAction } from '../../../shared/src/core/run-action.ts';
import { readInputs } from './inputs.ts';

await runAction(async ({ inputs }) => {
  readInputs(inputs);
  throw new NotImplementedError('build-packages');
});
