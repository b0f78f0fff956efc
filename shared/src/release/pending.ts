/**
 * The actions whose bundle is still a stub on this branch (NotImplementedError). The local release skips their
 * stages unless the config asks for them, and the tests that need them wait on this list: empty it as each lands.
 */
import type { ActionName } from './release.ts';

export const PENDING_ACTIONS: ReadonlySet<ActionName> = new Set<ActionName>(['generate-sbom']);
