/**
 * The type errors upstream's JSON decoding reports before any validation, for the fields where a
 * YAML manifest most often holds a number or boolean instead of a string (`value: 8080`,
 * `version: 1.0` labels). Messages are Go's `encoding/json` ones. Not a schema: other type
 * mismatches are caught later as `cannot decode pod`.
 */

type Json = unknown;

/** Go's name for a JSON value's type in `cannot unmarshal <type>`. */
function jsonType(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

const isObject = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Go's message: `json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string`. */
const mismatch = (v: Json, struct: string, path: string, goType: string): string =>
  `json: cannot unmarshal ${jsonType(v)} into Go struct field ${struct}.${path} of type ${goType}`;

/** A string field; null is allowed (it decodes to ""). */
function str(v: Json, struct: string, path: string): string | undefined {
  return v === undefined || v === null || typeof v === 'string' ? undefined : mismatch(v, struct, path, 'string');
}

function strMap(v: Json, struct: string, path: string): string | undefined {
  if (!isObject(v)) return undefined;
  for (const x of Object.values(v)) {
    const e = str(x, struct, path);
    if (e) return e;
  }
  return undefined;
}

function strList(v: Json, struct: string, path: string): string | undefined {
  if (!Array.isArray(v)) return undefined;
  for (const x of v) {
    const e = str(x, struct, path);
    if (e) return e;
  }
  return undefined;
}

function container(c: Json, path: string): string | undefined {
  if (!isObject(c)) return undefined;
  const checks = [
    str(c.name, 'Container', `${path}.name`),
    str(c.image, 'Container', `${path}.image`),
    strList(c.command, 'Container', `${path}.command`),
    strList(c.args, 'Container', `${path}.args`),
    str(c.workingDir, 'Container', `${path}.workingDir`),
  ];
  for (const env of Array.isArray(c.env) ? c.env : []) {
    if (!isObject(env)) continue;
    checks.push(str(env.name, 'EnvVar', `${path}.env.name`), str(env.value, 'EnvVar', `${path}.env.value`));
  }
  return checks.find((e) => e !== undefined);
}

/** The first type error in a decoded v1 Pod document, or undefined. */
export function decodeTypeError(doc: Record<string, Json>): string | undefined {
  const meta = doc.metadata;
  const spec = doc.spec;
  const checks: (string | undefined)[] = [];
  if (isObject(meta)) {
    checks.push(
      str(meta.name, 'ObjectMeta', 'metadata.name'),
      str(meta.namespace, 'ObjectMeta', 'metadata.namespace'),
      strMap(meta.labels, 'ObjectMeta', 'metadata.labels'),
      strMap(meta.annotations, 'ObjectMeta', 'metadata.annotations'),
    );
  }
  if (isObject(spec)) {
    checks.push(strMap(spec.nodeSelector, 'PodSpec', 'spec.nodeSelector'));
    for (const key of ['initContainers', 'containers'] as const) {
      for (const c of Array.isArray(spec[key]) ? spec[key] : []) checks.push(container(c, `spec.${key}`));
    }
  }
  return checks.find((e) => e !== undefined);
}
