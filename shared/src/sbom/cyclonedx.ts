/**
 * The CycloneDX 1.6 JSON writer: the inventory translated into
 * @cyclonedx/cyclonedx-library's model, serialised with sorted lists (the same
 * inventory gives the same bytes) and validated against the 1.6 schema before it
 * is returned. The serial number is a UUID v5 of the document with a fixed
 * placeholder in its place: derived from the content.
 */
import './cyclonedx-dirname.ts';
import { Enums, Models, Serialize, Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { SbomInvalidError } from './errors.ts';
import { type DocumentMeta, type Inventory, type SbomNode, walk } from './model.ts';
import { uuidV5 } from './uuid.ts';

const TYPES: Record<SbomNode['kind'], Enums.ComponentType> = {
  file: Enums.ComponentType.File,
  'archive-member': Enums.ComponentType.File,
  'go-module': Enums.ComponentType.Library,
  deb: Enums.ComponentType.Library,
  rpm: Enums.ComponentType.Library,
  'image-index': Enums.ComponentType.Container,
  image: Enums.ComponentType.Container,
  layer: Enums.ComponentType.File,
};

const HASHES = [
  ['sha1', Enums.HashAlgorithm['SHA-1']],
  ['sha256', Enums.HashAlgorithm['SHA-256']],
  ['sha512', Enums.HashAlgorithm['SHA-512']],
] as const;

function component(node: SbomNode, refs: Map<string, Models.Component>): Models.Component {
  const properties = [...node.properties];
  if (node.size !== undefined) properties.push({ name: 'size', value: String(node.size) });
  if (node.fileName && node.fileName !== node.name) properties.push({ name: 'fileName', value: node.fileName });
  const c = new Models.Component(TYPES[node.kind], node.name, {
    bomRef: node.id,
    ...(node.version ? { version: node.version } : {}),
    ...(node.purl ? { purl: node.purl } : {}),
    hashes: new Models.HashDictionary(
      HASHES.flatMap(([key, alg]) => (node.checksums?.[key] ? [[alg, node.checksums[key] as string] as const] : [])),
    ),
    properties: new Models.PropertyRepository(properties.map((p) => new Models.Property(p.name, p.value))),
    components: new Models.ComponentRepository(node.contains.map((child) => component(child, refs))),
  });
  // The library would rename a second bom-ref at random: the same input would no longer give the same bytes.
  if (refs.has(node.id)) throw new SbomInvalidError(`bom-ref ${node.id} used twice`);
  refs.set(node.id, c);
  return c;
}

/** The CycloneDX 1.6 document's JSON text (validated). */
export async function writeCycloneDx(inventory: Inventory, meta: DocumentMeta): Promise<string> {
  const refs = new Map<string, Models.Component>();
  const bom = new Models.Bom({
    components: new Models.ComponentRepository(inventory.nodes.map((n) => component(n, refs))),
  });
  bom.metadata.timestamp = meta.created;
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, meta.toolName, { version: meta.toolVersion }),
  );
  const supplier = inventory.supplier ? new Models.OrganizationalEntity({ name: inventory.supplier }) : undefined;
  bom.metadata.component = new Models.Component(Enums.ComponentType.Application, inventory.name, {
    bomRef: `release:${inventory.name}@${inventory.version}`,
    version: inventory.version,
    ...(supplier ? { supplier } : {}),
  });
  if (supplier) bom.metadata.supplier = supplier;
  for (const node of inventory.nodes) bom.metadata.component.dependencies.add(refs.get(node.id)?.bomRef as Models.BomRef);
  for (const [from, tos] of inventory.dependsOn) {
    const source = refs.get(from);
    for (const to of tos) {
      const target = refs.get(to);
      if (!source || !target) throw new SbomInvalidError(`dependency ${from} → ${to} names no component`);
      source.dependencies.add(target.bomRef);
    }
  }
  for (const node of walk(inventory.nodes)) if (!refs.has(node.id)) throw new SbomInvalidError(`lost ${node.id}`);

  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  const render = () => `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
  bom.serialNumber = `urn:uuid:${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`;
  bom.serialNumber = `urn:uuid:${uuidV5(render())}`;
  const json = render();
  const invalid = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(json);
  if (invalid) throw new SbomInvalidError(`CycloneDX document fails its schema: ${JSON.stringify(invalid)}`);
  return json;
}
