/** Test helpers: the two schemas every document the project writes must pass. */
import '../sbom/cyclonedx-dirname.ts';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { Ajv2019 } from 'ajv/dist/2019.js';
import spdxSchema from './spdx-2.3.schema.json' with { type: 'json' };

const spdx = new Ajv2019({ allErrors: true, strict: false }).compile(spdxSchema);

/** The SPDX schema's complaints (empty when valid). */
export function spdxSchemaErrors(doc: unknown): string[] {
  return spdx(doc) ? [] : (spdx.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

export async function cycloneDxSchemaError(json: string): Promise<unknown> {
  return new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(json);
}
