/**
 * What the inspectors find, before it is written in either format: one tree of
 * nodes (a node CONTAINS its `contains`) plus DEPENDS_ON edges by id. The writers
 * (cyclonedx.ts, spdx.ts) only translate; they decide nothing.
 */

export interface Checksums {
  sha1?: string;
  sha256?: string;
  sha512?: string;
}

export interface Property {
  name: string;
  value: string;
}

export type NodeKind = 'file' | 'archive-member' | 'go-module' | 'deb' | 'rpm' | 'image-index' | 'image' | 'layer';

export interface SbomNode {
  /** Unique in the document and stable across runs (a path, a purl, a digest). */
  id: string;
  kind: NodeKind;
  name: string;
  version?: string;
  /** A file's path: relative to the workspace, or inside its archive. */
  fileName?: string;
  size?: number;
  checksums?: Checksums;
  purl?: string;
  /** Registry and repository of an image, for its SPDX id. */
  image?: { registry: string; repository: string; tag?: string; digest: string };
  properties: Property[];
  contains: SbomNode[];
}

export interface Inventory {
  /** The release the document describes. */
  name: string;
  version: string;
  supplier?: string;
  /** Top-level nodes, sorted by id. */
  nodes: SbomNode[];
  /** DEPENDS_ON edges: id → ids. */
  dependsOn: Map<string, Set<string>>;
}

export interface DocumentMeta {
  toolName: string;
  toolVersion: string;
  created: Date;
  /** SPDX document namespace base (e.g. https://sbom.k8s.io). */
  namespace: string;
}

/** Every node of the tree, depth first. */
export function* walk(nodes: readonly SbomNode[]): Generator<SbomNode> {
  for (const node of nodes) {
    yield node;
    yield* walk(node.contains);
  }
}

/**
 * The tree with every id unique, in a fixed order: top-level ids (unique already) stay, and a node met again below —
 * a tarball member stored twice, an image also given on its own or listed under two platforms — becomes `<id>#<n>`.
 */
export function withUniqueIds(nodes: readonly SbomNode[]): SbomNode[] {
  const seen = new Set(nodes.map((n) => n.id));
  const rename = (node: SbomNode): SbomNode => {
    let id = node.id;
    for (let n = 2; seen.has(id); n++) id = `${node.id}#${n}`;
    seen.add(id);
    return { ...node, id, contains: node.contains.map(rename) };
  };
  return nodes.map((node) => ({ ...node, contains: node.contains.map(rename) }));
}
