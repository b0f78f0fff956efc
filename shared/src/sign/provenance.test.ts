import { describe, expect, it } from 'vitest';
import { GITHUB_BUILD_TYPE, LOCAL_BUILD_TYPE, type ProvenanceContext, provenanceStatement } from './provenance.ts';

const github: ProvenanceContext = {
  serverUrl: 'https://github.com',
  repository: 'k/r',
  sha: 'abc',
  ref: 'refs/tags/v1',
  workflowRef: 'k/r/.github/workflows/release.yml@refs/tags/v1',
  runId: '7',
  runAttempt: '2',
  eventName: 'push',
  workflowInputs: {},
  builderVersion: '1.0.0',
};
const local: ProvenanceContext = {
  kind: 'local',
  builderId: 'https://ci.example.org/builder',
  invocationId: 'v1.31.2@1767225600',
  builderVersion: '1.0.0',
};
const at = new Date('2026-01-01T00:00:00Z');

describe('provenanceStatement', () => {
  it.each([
    [
      'a GitHub run',
      github,
      GITHUB_BUILD_TYPE,
      'https://github.com/k/r/.github/workflows/release.yml@refs/tags/v1',
      'https://github.com/k/r/actions/runs/7/attempts/2',
    ],
    ['a build outside GitHub', local, LOCAL_BUILD_TYPE, 'https://ci.example.org/builder', 'v1.31.2@1767225600'],
  ])('for %s: build type, builder and invocation', (_, context, buildType, builder, invocation) => {
    const statement = provenanceStatement({
      context,
      subjects: [
        { name: 'b', digest: { sha256: '2' } },
        { name: 'a', digest: { sha256: '1' } },
      ],
      byproducts: [],
      startedOn: at,
      finishedOn: at,
    });
    expect(statement.predicate.buildDefinition.buildType).toBe(buildType);
    expect(statement.predicate.runDetails.builder.id).toBe(builder);
    expect(statement.predicate.runDetails.metadata).toEqual({
      invocationId: invocation,
      startedOn: '2026-01-01T00:00:00Z',
      finishedOn: '2026-01-01T00:00:00Z',
    });
    expect(statement.subject.map((s) => s.name)).toEqual(['a', 'b']);
  });
});
