/** Dependency strings in either style (`foo >= 1.0`, `foo (>= 1.0)`) parsed once and written per format. */

export interface Dependency {
  name: string;
  op: '' | '<' | '<=' | '=' | '>=' | '>';
  version: string;
}

const OPS: Record<string, Dependency['op']> = {
  '<<': '<',
  '<': '<',
  '<=': '<=',
  '=': '=',
  '==': '=',
  '>=': '>=',
  '>>': '>',
  '>': '>',
};
// A version holds no comparison character: `a >=` is not `a > "="`.
const PATTERN = /^\s*([^\s()<>=]+)\s*(?:\(?\s*(<<|>>|<=|>=|==|=|<|>)\s*([^\s()<>=]+)\s*\)?)?\s*$/;

/** Undefined when the string is not one name with an optional comparison (an alternative `a | b` for example). */
export function parseDependency(text: string): Dependency | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  return { name: m[1] as string, op: m[2] ? (OPS[m[2]] as Dependency['op']) : '', version: m[3] ?? '' };
}

const DEB_OPS: Record<Exclude<Dependency['op'], ''>, string> = { '<': '<<', '<=': '<=', '=': '=', '>=': '>=', '>': '>>' };

/** Debian's form, `name (>= 1.0)`; alternatives and anything else are kept as written. */
export function debDependency(text: string): string {
  const dep = parseDependency(text);
  if (!dep) return text.trim();
  return dep.op ? `${dep.name} (${DEB_OPS[dep.op]} ${dep.version})` : dep.name;
}

export const RPMSENSE = {
  LESS: 2,
  GREATER: 4,
  EQUAL: 8,
  INTERP: 256,
  PRE: 512,
  POST: 1024,
  PREUN: 2048,
  POSTUN: 4096,
  RPMLIB: 1 << 24,
};

const RPM_FLAGS: Record<Dependency['op'], number> = {
  '': 0,
  '<': RPMSENSE.LESS,
  '<=': RPMSENSE.LESS | RPMSENSE.EQUAL,
  '=': RPMSENSE.EQUAL,
  '>=': RPMSENSE.GREATER | RPMSENSE.EQUAL,
  '>': RPMSENSE.GREATER,
};

/** rpm's triple (name, flags, version); an alternative `a | b` becomes a rich dependency `(a or b)`. */
export function rpmDependency(text: string): { name: string; flags: number; version: string } {
  const dep = parseDependency(text);
  if (dep) return { name: dep.name, flags: RPM_FLAGS[dep.op], version: dep.version };
  const alternatives = text.split('|').map((alt) => {
    const d = parseDependency(alt);
    return d?.op ? `${d.name} ${d.op} ${d.version}` : alt.trim();
  });
  return { name: `(${alternatives.join(' or ')})`, flags: 0, version: '' };
}
