import { runAction } from '../../../shared/src/core/run-action.ts';
import { signArtifacts, signSummary, verifyArtifacts, verifySummary } from '../../../shared/src/sign/index.ts';
import { OUTPUT, readInputs } from './inputs.ts';

await runAction(async (io) => {
  const inputs = readInputs(io.inputs);
  if (inputs.mode === 'verify') {
    const result = await verifyArtifacts(inputs.options, io.logger);
    io.setOutputs({ [OUTPUT.digests]: result.digests, [OUTPUT.verified]: result.verified });
    await io.writeSummary(verifySummary(result));
    return;
  }
  const result = await signArtifacts(inputs.options, io.logger);
  io.setOutputs({
    [OUTPUT.bundles]: result.bundles,
    [OUTPUT.checksums]: result.checksums ?? '',
    [OUTPUT.provenance]: result.provenance ?? '',
    [OUTPUT.digests]: result.digests,
    [OUTPUT.verified]: result.verified,
  });
  await io.writeSummary(signSummary(result));
});
