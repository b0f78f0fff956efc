import { runAction } from '../../../shared/src/core/run-action.ts';
import { promote } from '../../../shared/src/promote/promote.ts';
import { failOnErrors, promoteOutputs, promoteSummary, recordPromoted, writeReport } from '../../../shared/src/promote/report.ts';
import { readInputs } from './inputs.ts';

await runAction(async (io) => {
  const { options, report, manifest } = await readInputs(io.inputs);
  const result = await promote(options, io.logger);
  if (report) await writeReport(report, result);
  if (manifest && result.confirmed) await recordPromoted(manifest, result);
  io.setOutputs(promoteOutputs(result, report));
  await io.writeSummary(promoteSummary(result));
  failOnErrors(result);
});
