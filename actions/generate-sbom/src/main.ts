import { runAction } from '../../../shared/src/core/run-action.ts';
import { OUTPUT, readInputs } from './inputs.ts';

await runAction(async (io) => {
  const inputs = readInputs(io.inputs);
  const sbom = await import('../../../shared/src/sbom/index.ts');
  const result = await sbom.generateSbom(sbom.withCollaborators(inputs), io.logger);
  io.setOutputs({
    [OUTPUT.sboms]: result.sboms,
    [OUTPUT.components]: result.components,
    [OUTPUT.goModules]: result.goModules,
  });
  await io.writeSummary(sbom.sbomSummary(result));
});
