import { NotImplementedError } from '../../../shared/src/core/errors.js';
import { runAction } from '../../../shared/src/core/run-action.js';
import { readInputs } from './inputs.js';

await runAction(async ({ inputs }) => {
  readInputs(inputs);
  throw new NotImplementedError('promote-images');
});
