/**
 * The plan, a pure function of what to promote and what the registries hold: one edge per (image, digest,
 * destination, tag) — a digest without tags is one edge — each classified:
 * - skip: the tag (or, without a tag, the digest) is already there;
 * - tag: the digest is there, the tag is added;
 * - copy: the digest is copied, then tagged;
 * - move: the tag points at another digest (an error unless tag moves are allowed, then copied and re-tagged);
 * - missing: the source lacks the digest (an error);
 * - unverified: the source's signature did not verify (an error);
 * - unreadable: a registry the edge needs could not be read (an error; the other edges go on).
 * Two digests aimed at one tag of one repository are refused before anything is looked at or written.
 */
import { PlanConflictError } from './errors.ts';
import type { ImageSpec } from './spec.ts';

export type EdgeAction = 'skip' | 'tag' | 'copy' | 'move' | 'missing' | 'unverified' | 'unreadable';

export interface Edge {
  image: string;
  source: string;
  digest: string;
  destination: string;
  tag?: string;
}

export interface PlannedEdge extends Edge {
  action: EdgeAction;
  /** Why an edge is an error (move not allowed, missing, unverified, unreadable). */
  error?: string;
  /** The digest a moved tag pointed at. */
  previous?: string;
}

/** What the registries hold, as surveyed. */
export interface Observed {
  /** `${source}@${digest}` present in the source. */
  sourceHas(source: string, digest: string): boolean;
  /** The digest a destination tag points at (undefined: no such tag). */
  tagDigest(destination: string, tag: string): string | undefined;
  destinationHas(destination: string, digest: string): boolean;
  /** The reason a source digest's signature did not verify, if it did not. */
  unverified?(source: string, digest: string): string | undefined;
  /** Why a registry read the edge needs failed (its tag, its digest at the destination or the source), if one did. */
  unreadable?(edge: Edge): string | undefined;
}

export function edgesOf(specs: readonly ImageSpec[]): Edge[] {
  const edges = new Map<string, Edge>();
  for (const spec of specs)
    for (const destination of spec.destinations)
      for (const tag of spec.tags.length > 0 ? spec.tags : [undefined]) {
        const edge: Edge = { image: spec.image, source: spec.source, digest: spec.digest, destination, ...(tag ? { tag } : {}) };
        // Stryker disable next-line StringLiteral: any text that is no tag (a tag has no space) keys the untagged edge
        edges.set(`${destination}:${tag ?? ''}@${spec.digest}`, edge);
      }
  return [...edges.values()];
}

/** Two digests for one destination tag; the messages name image, tag and both digests. */
export function tagConflicts(edges: readonly Edge[]): string[] {
  const byTag = new Map<string, Edge>();
  const problems: string[] = [];
  for (const edge of edges) {
    if (!edge.tag) continue;
    const key = `${edge.destination}:${edge.tag}`;
    const first = byTag.get(key);
    if (!first) byTag.set(key, edge);
    else if (first.digest !== edge.digest)
      problems.push(
        `image ${edge.image}: tag ${edge.tag} of ${edge.destination} is given two digests, ${first.digest} and ${edge.digest}`,
      );
  }
  return problems;
}

export function classify(edge: Edge, observed: Observed, allowTagMoves: boolean): PlannedEdge {
  const unreadable = observed.unreadable?.(edge);
  if (unreadable) return { ...edge, action: 'unreadable', error: unreadable };
  const current = edge.tag ? observed.tagDigest(edge.destination, edge.tag) : undefined;
  if (current === edge.digest || (!edge.tag && observed.destinationHas(edge.destination, edge.digest)))
    return { ...edge, action: 'skip' };
  if (!observed.sourceHas(edge.source, edge.digest))
    return { ...edge, action: 'missing', error: `${edge.source}@${edge.digest} is not in the source` };
  const unverified = observed.unverified?.(edge.source, edge.digest);
  if (unverified) return { ...edge, action: 'unverified', error: unverified };
  if (current !== undefined)
    return {
      ...edge,
      action: 'move',
      previous: current,
      ...(allowTagMoves
        ? {}
        : {
            error: `image ${edge.image}: tag ${edge.tag} of ${edge.destination} is at ${current}; moving it needs allow-tag-moves`,
          }),
    };
  return { ...edge, action: observed.destinationHas(edge.destination, edge.digest) ? 'tag' : 'copy' };
}

export function plan(specs: readonly ImageSpec[], observed: Observed, allowTagMoves: boolean): PlannedEdge[] {
  const edges = edgesOf(specs);
  const conflicts = tagConflicts(edges);
  if (conflicts.length > 0) throw new PlanConflictError(conflicts);
  return edges.map((edge) => classify(edge, observed, allowTagMoves));
}

/** An edge the run writes for (an allowed move included). */
export function writes(edge: PlannedEdge): boolean {
  return edge.action === 'tag' || edge.action === 'copy' || (edge.action === 'move' && edge.error === undefined);
}
