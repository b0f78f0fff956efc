/**
 * SPDX 2.3 JSON: a small typed model of the parts we write and its serialiser.
 * No TypeScript library writes SPDX; the types make a document that the schema
 * would reject hard to build, and `checkSpdx` refuses the rest (an id used twice, a
 * relationship to nothing, a checksum of the wrong length) before anything is
 * written. Ids are shaped as Kubernetes' documents (kubernetes-sigs/bom):
 * `SPDXRef-Package-<name>` for packages, `SPDXRef-File-<sha1 of package:file>` for
 * files, `SPDXRef-Package-<registry>-<image>-<tag>` for images.
 */
import { createHash } from 'node:crypto';
import { rfc3339 } from '../core/time.ts';
import { SbomInvalidError } from './errors.ts';
import type { Checksums, DocumentMeta, Inventory, SbomNode } from './model.ts';
import { uuidV5 } from './uuid.ts';

export type SpdxId = `SPDXRef-${string}`;
type ChecksumAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';
type Purpose = 'APPLICATION' | 'LIBRARY' | 'CONTAINER' | 'FILE' | 'ARCHIVE' | 'INSTALL';
type RelationshipType = 'DESCRIBES' | 'CONTAINS' | 'DEPENDS_ON';

export interface SpdxChecksum {
  algorithm: ChecksumAlgorithm;
  checksumValue: string;
}

export interface SpdxAnnotation {
  annotationDate: string;
  annotationType: 'OTHER';
  annotator: `Tool: ${string}`;
  comment: string;
}

export interface SpdxPackage {
  SPDXID: SpdxId;
  name: string;
  versionInfo?: string;
  packageFileName?: string;
  supplier?: `Organization: ${string}` | 'NOASSERTION';
  downloadLocation: string;
  /** True exactly when the package CONTAINS files (SPDX 2.3 §7.8: a package not analysed contains none). */
  filesAnalyzed: boolean;
  packageVerificationCode?: { packageVerificationCodeValue: string };
  checksums?: SpdxChecksum[];
  primaryPackagePurpose: Purpose;
  externalRefs?: { referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }[];
  annotations?: SpdxAnnotation[];
}

export interface SpdxFile {
  SPDXID: SpdxId;
  fileName: string;
  checksums: SpdxChecksum[];
  annotations?: SpdxAnnotation[];
}

export interface SpdxRelationship {
  spdxElementId: SpdxId;
  relationshipType: RelationshipType;
  relatedSpdxElement: SpdxId;
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  files: SpdxFile[];
  relationships: SpdxRelationship[];
}

const HEX_LENGTH: Record<ChecksumAlgorithm, number> = { SHA1: 40, SHA256: 64, SHA512: 128 };

/** The characters an SPDX id may hold (letters, digits, '.', '-'); others become '-'. */
export function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
}

/** Kubernetes' file id: SHA-1 of `<package name>:<file name>`. */
export function fileId(packageName: string, fileName: string): SpdxId {
  return `SPDXRef-File-${createHash('sha1').update(`${packageName}:${fileName}`).digest('hex')}`;
}

/** SPDX 2.3 §7.9: SHA-1 of the package's files' SHA-1s (hex), sorted and concatenated. */
function verificationCode(sha1s: readonly string[]): string {
  return createHash('sha1')
    .update([...sha1s].sort().join(''))
    .digest('hex');
}

function checksums(c: Checksums | undefined): SpdxChecksum[] {
  const out: SpdxChecksum[] = [];
  if (c?.sha1) out.push({ algorithm: 'SHA1', checksumValue: c.sha1 });
  if (c?.sha256) out.push({ algorithm: 'SHA256', checksumValue: c.sha256 });
  if (c?.sha512) out.push({ algorithm: 'SHA512', checksumValue: c.sha512 });
  return out;
}

const PURPOSE: Record<SbomNode['kind'], Purpose> = {
  file: 'FILE',
  'archive-member': 'FILE',
  'go-module': 'LIBRARY',
  deb: 'INSTALL',
  rpm: 'INSTALL',
  'image-index': 'CONTAINER',
  image: 'CONTAINER',
  layer: 'ARCHIVE',
};

/** The SPDX id a node gets (files inside archives are SPDX files; all else packages). */
function packageId(node: SbomNode): SpdxId {
  if (node.image) {
    const { registry, repository, tag, digest } = node.image;
    const suffix = tag ?? digest.replace(':', '-');
    return `SPDXRef-Package-${idPart(`${registry}-${repository.replace(/\//g, '-')}-${suffix}`)}`;
  }
  if (node.kind === 'layer') return `SPDXRef-Package-${idPart(node.name.replace(':', '-'))}`;
  if (node.kind === 'go-module' && node.id.startsWith('go-main:'))
    return `SPDXRef-Package-${idPart(`${node.id.slice('go-main:'.length)}-${node.name}`)}`;
  if (node.kind === 'go-module') return `SPDXRef-Package-${idPart(`${node.name}-${node.version ?? 'devel'}`)}`;
  return `SPDXRef-Package-${idPart(node.kind === 'file' ? node.name : `${node.kind}-${node.name}-${node.version ?? ''}`)}`;
}

/** The SPDX 2.3 document's JSON text (checked). */
export function writeSpdx(inventory: Inventory, meta: DocumentMeta): string {
  const tool = `${meta.toolName}-${meta.toolVersion}` as const;
  const created = rfc3339(meta.created);
  const annotate = (node: SbomNode): SpdxAnnotation[] => {
    const lines = node.properties.map((p) => `${p.name}=${p.value}`);
    if (node.size !== undefined && node.kind !== 'archive-member') lines.push(`size=${node.size}`);
    return lines.length === 0
      ? []
      : [{ annotationDate: created, annotationType: 'OTHER', annotator: `Tool: ${tool}`, comment: lines.join('\n') }];
  };
  const doc: SpdxDocument = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${inventory.name}-${inventory.version}`,
    documentNamespace: '',
    creationInfo: {
      created,
      creators: [`Tool: ${tool}`, ...(inventory.supplier ? [`Organization: ${inventory.supplier}`] : [])],
    },
    packages: [],
    files: [],
    relationships: [],
  };
  const ids = new Map<string, SpdxId>();
  const seen = new Set<SpdxId>();
  const unique = (id: SpdxId): SpdxId => {
    let candidate = id;
    for (let n = 2; seen.has(candidate); n++) candidate = `${id}-${n}`;
    seen.add(candidate);
    return candidate;
  };
  const relate = (from: SpdxId, type: RelationshipType, to: SpdxId) =>
    doc.relationships.push({ spdxElementId: from, relationshipType: type, relatedSpdxElement: to });

  const addPackage = (node: SbomNode): SpdxId => {
    if (ids.has(node.id)) throw new SbomInvalidError(`node ${node.id} met twice`);
    const id = unique(packageId(node));
    ids.set(node.id, id);
    const annotations = annotate(node);
    const sums = checksums(node.checksums);
    // A release file is also an SPDX file inside its package, as Kubernetes' documents list it; a tarball's members too.
    const files = [
      ...(node.kind === 'file' && node.fileName ? [{ file: node, fileName: node.fileName }] : []),
      ...node.contains.flatMap((c) => (c.kind === 'archive-member' ? [{ file: c, fileName: c.fileName ?? c.name }] : [])),
    ];
    const sha1s = files.map(({ file }) => file.checksums?.sha1 ?? '');
    doc.packages.push({
      SPDXID: id,
      name: node.name,
      ...(node.version ? { versionInfo: node.version } : {}),
      ...(node.fileName ? { packageFileName: node.fileName } : {}),
      supplier: inventory.supplier && node.kind === 'file' ? `Organization: ${inventory.supplier}` : 'NOASSERTION',
      // An image reference is no URL (SPDX 2.3 §7.7); syft writes NOASSERTION for images too.
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: files.length > 0,
      ...(files.length > 0 ? { packageVerificationCode: { packageVerificationCodeValue: verificationCode(sha1s) } } : {}),
      ...(sums.length ? { checksums: sums } : {}),
      primaryPackagePurpose:
        node.kind === 'file' && node.contains.some((c) => c.kind === 'go-module')
          ? 'APPLICATION'
          : node.kind === 'file' && node.contains.some((c) => c.kind === 'archive-member')
            ? 'ARCHIVE'
            : PURPOSE[node.kind],
      ...(node.purl
        ? { externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: node.purl }] }
        : {}),
      ...(annotations.length ? { annotations } : {}),
    });
    for (const { file, fileName } of files) addFile(id, node.name, file, fileName);
    for (const child of node.contains) if (child.kind !== 'archive-member') relate(id, 'CONTAINS', addPackage(child));
    return id;
  };
  const addFile = (parent: SpdxId, packageName: string, node: SbomNode, fileName: string) => {
    const id = unique(fileId(packageName, fileName));
    if (node.kind === 'archive-member') ids.set(node.id, id);
    // A release file's properties are on its package already.
    const annotations = node.kind === 'file' ? [] : annotate(node);
    doc.files.push({
      SPDXID: id,
      fileName: fileName.startsWith('/') ? fileName : `./${fileName}`,
      checksums: checksums(node.checksums),
      ...(annotations.length ? { annotations } : {}),
    });
    relate(parent, 'CONTAINS', id);
  };

  for (const node of inventory.nodes) relate('SPDXRef-DOCUMENT', 'DESCRIBES', addPackage(node));
  for (const [from, tos] of inventory.dependsOn) {
    for (const to of tos) {
      const a = ids.get(from);
      const b = ids.get(to);
      if (!a || !b) throw new SbomInvalidError(`dependency ${from} → ${to} names no package`);
      relate(a, 'DEPENDS_ON', b);
    }
  }
  const base = `${meta.namespace.replace(/\/+$/, '')}/${encodeURIComponent(inventory.name)}/${encodeURIComponent(inventory.version)}`;
  const render = () => `${JSON.stringify(doc, null, 2)}\n`;
  doc.documentNamespace = `${base}/00000000-0000-0000-0000-000000000000`;
  doc.documentNamespace = `${base}/${uuidV5(render())}`;
  checkSpdx(doc);
  return render();
}

/** What the types cannot say: unique ids, relationships between known elements, checksums of the right length. */
export function checkSpdx(doc: SpdxDocument): void {
  const ids = new Set<string>([doc.SPDXID]);
  for (const element of [...doc.packages, ...doc.files]) {
    if (!/^SPDXRef-[A-Za-z0-9.-]+$/.test(element.SPDXID)) throw new SbomInvalidError(`bad SPDX id ${element.SPDXID}`);
    if (ids.has(element.SPDXID)) throw new SbomInvalidError(`SPDX id ${element.SPDXID} used twice`);
    ids.add(element.SPDXID);
    for (const c of element.checksums ?? [])
      if (!new RegExp(`^[0-9a-f]{${HEX_LENGTH[c.algorithm]}}$`).test(c.checksumValue))
        throw new SbomInvalidError(`${element.SPDXID}: bad ${c.algorithm} ${c.checksumValue}`);
  }
  for (const file of doc.files)
    if (!file.checksums.some((c) => c.algorithm === 'SHA1')) throw new SbomInvalidError(`${file.SPDXID} has no SHA1`);
  for (const r of doc.relationships)
    if (!ids.has(r.spdxElementId) || !ids.has(r.relatedSpdxElement))
      throw new SbomInvalidError(`relationship ${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`);
  if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/.test(doc.documentNamespace))
    throw new SbomInvalidError(`documentNamespace ${doc.documentNamespace} is no URI`);
}
