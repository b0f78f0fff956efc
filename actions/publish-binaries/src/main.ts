import { blamingInput } from '../../../shared/src/core/fs-errors.ts';
import { hashWorkers } from '../../../shared/src/core/hash-workers.ts';
import { isInside } from '../../../shared/src/core/paths.ts';
import { runAction } from '../../../shared/src/core/run-action.ts';
import { publishBinaries } from '../../../shared/src/publish/publish.ts';
import { recordPublished } from '../../../shared/src/publish/record-manifest.ts';
import { publishOutputs, publishSummary } from '../../../shared/src/publish/report.ts';
import { INPUT, readInputs } from './inputs.ts';

await runAction(async (io) => {
  // Every file is hashed before anything is sent: the hashing workers boot while the stores' code loads.
  const { options, workspace, manifest } = await readInputs(io.inputs, process.env, () => hashWorkers.start());
  const result = await blamingInput(
    (p) => (isInside(options.sourceDir, p) ? INPUT.sourceDir : INPUT.destinations),
    () => publishBinaries(options, io.logger),
  );
  if (manifest && !options.dryRun) await recordPublished(manifest, workspace, options.sourceDir, result);
  io.setOutputs(publishOutputs(result));
  await io.writeSummary(publishSummary(result));
});
