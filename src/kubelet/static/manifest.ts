/**
 * From the text of one manifest file to static pods, as upstream `pkg/kubelet/config/common.go`
 * (`tryDecodeSinglePod` + `applyDefaults`), but with several YAML documents per file allowed. Pure:
 * no I/O, no clock; `config.seen` is added later by the source, so it never affects the UID.
 *
 * YAML is read as upstream's parser (go-yaml v2 via sigs.k8s.io/yaml) reads it, i.e. YAML 1.1:
 * `defaultMode: 0400` is octal 256, `yes`/`on`/`y` are booleans (so `value: yes` fails to decode,
 * as upstream), timestamps stay strings. JSON is YAML.
 */
import { createHash } from 'node:crypto';
import { LineCounter, parseAllDocuments, type Tags } from 'yaml';
import { CONFIG_HASH_ANNOTATION, CONFIG_SOURCE_ANNOTATION, setPodDefaults, type Pod, type Toleration } from '../../api/index.js';
import { validatePod } from '../../api/validation/index.js';
import { decodeTypeError } from './decode.js';

/** One problem in a manifest file, JSON-friendly for logs. */
export interface ManifestError {
  /** Index of the YAML document in the file (0 for a single-document file). */
  document: number;
  /** What is wrong; upstream's wording for field errors: `spec.containers[0].image: Required value`. */
  message: string;
  /** The field at fault, for validation errors: `spec.containers[0].image`. */
  field?: string;
  /** 1-based position in the file, for YAML syntax errors. */
  line?: number;
  column?: number;
}

/** A valid pod and the index of the document it came from. */
export interface StaticPodEntry {
  document: number;
  pod: Pod;
}

export interface ManifestResult {
  /** The valid pods, in document order, defaulted and with their static identity. */
  pods: StaticPodEntry[];
  /** Documents that were dropped and why; the other documents of the file are kept. */
  errors: ManifestError[];
}

export interface ManifestContext {
  /** The file's path; part of every pod's UID, as upstream's `file:<path>`. */
  file: string;
  nodeName: string;
}

/** `config.source` of static pods from files (upstream `kubetypes.FileSource`). */
export const FILE_SOURCE = 'file';

/** YAML 1.1 without timestamps and base-60 numbers, which go-yaml v2 leaves as strings. */
const goYamlTags = (tags: Tags): Tags =>
  tags.filter((t) => typeof t === 'string' || (!t.tag.endsWith(':timestamp') && t.format !== 'TIME'));

/** Keys sorted recursively, so the hash depends on content, not on layout or key order. */
function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJSON(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * The UID of a static pod: md5 of the document's content, the node and the file, as upstream
 * (`DeepHashObject(pod)`, `host:<node>`, `file:<path>`). The same document in the same file on the
 * same node has the same UID across kubelet restarts; any content change gives a new UID.
 */
export function staticPodUID(document: unknown, ctx: ManifestContext): string {
  return createHash('md5').update(canonicalJSON(document)).update(`host:${ctx.nodeName}`).update(`file:${ctx.file}`).digest('hex');
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Drops `null` members, as Go's decoding leaves such fields unset: `emptyDir:` (null) is an absent
 * source that defaulting then turns into `emptyDir: {}`, as upstream.
 */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (x === null ? [] : [[k, withoutNulls(x)]])));
}

/** Upstream `AddOrUpdateTolerationInPod` with the `Exists`/`NoExecute` toleration static pods get. */
function addNoExecuteToleration(tolerations: Toleration[] | undefined): Toleration[] {
  const wanted: Toleration = { operator: 'Exists', effect: 'NoExecute' };
  const list = tolerations ?? [];
  const same = (t: Toleration): boolean => (t.key ?? '') === '' && t.effect === 'NoExecute' && t.operator === 'Exists' && (t.value ?? '') === '';
  return list.some(same) ? list.map((t) => (same(t) ? wanted : t)) : [...list, wanted];
}

/**
 * Upstream `applyDefaults` for file sources: UID (unless the manifest sets one), name suffixed
 * with `-<node>` (node lowercased), namespace `default`, `spec.nodeName`, `config.hash` and
 * `config.source` annotations, the NoExecute toleration, phase Pending. An empty name stays empty
 * so validation reports it as missing rather than as the invalid `-<node>` upstream would build.
 */
function applyStaticDefaults(pod: Pod, uid: string, nodeName: string): Pod {
  const meta = pod.metadata ?? {};
  const name = meta.name ? `${meta.name}-${nodeName.toLowerCase()}` : '';
  const finalUid = meta.uid || uid;
  return {
    ...pod,
    metadata: {
      ...meta,
      name,
      namespace: meta.namespace || 'default',
      uid: finalUid,
      annotations: { ...meta.annotations, [CONFIG_HASH_ANNOTATION]: finalUid, [CONFIG_SOURCE_ANNOTATION]: FILE_SOURCE },
    },
    spec: { ...pod.spec, nodeName, tolerations: addNoExecuteToleration(pod.spec.tolerations) },
    status: { ...pod.status, phase: 'Pending' },
  };
}

/** Checks kind and apiVersion, then defaults, identifies and validates one document. */
function toStaticPod(doc: unknown, index: number, ctx: ManifestContext): { pod: Pod } | { errors: ManifestError[] } {
  const fail = (message: string): { errors: ManifestError[] } => ({ errors: [{ document: index, message }] });
  if (!isRecord(doc)) return fail('a manifest must be a YAML or JSON object');
  if (!doc.kind) return fail("Object 'Kind' is missing");
  if (!doc.apiVersion) return fail("Object 'apiVersion' is missing");
  if (doc.apiVersion !== 'v1' || doc.kind !== 'Pod') {
    return fail(`unsupported kind ${JSON.stringify(doc.kind)} of apiVersion ${JSON.stringify(doc.apiVersion)}: static pod manifests must be v1 Pods`);
  }
  const typeError = decodeTypeError(doc);
  if (typeError) return fail(typeError);
  const raw = withoutNulls(doc) as Pod;
  const shaped: Pod = { ...raw, metadata: isRecord(raw.metadata) ? raw.metadata : {}, spec: isRecord(raw.spec) ? raw.spec : { containers: [] } };
  let pod: Pod;
  try {
    if (!Array.isArray(shaped.spec.containers)) shaped.spec = { ...shaped.spec, containers: [] };
    pod = applyStaticDefaults(setPodDefaults(shaped), staticPodUID(doc, ctx), ctx.nodeName);
    const errs = validatePod(pod, { relaxedEnvVarNames: false, resourceIsPod: false });
    if (errs.length > 0) return { errors: errs.map((e) => ({ document: index, message: e.message, field: e.field })) };
    // What a 1.32 kubelet refuses in static pods beyond validation (1.34 refuses every API reference).
    if (pod.spec.volumes?.some((v) => v.projected?.sources?.some((src) => src.clusterTrustBundle))) {
      return fail('static pods may not use ClusterTrustBundle projected volumes');
    }
    if ((pod.spec.resourceClaims ?? []).length > 0) return fail('static pods may not use ResourceClaims');
  } catch (err) {
    // A field of the wrong type (a string where a list belongs); upstream fails to decode it.
    if (!(err instanceof TypeError)) throw err;
    return fail(`cannot decode pod: ${err.message}`);
  }
  return { pod };
}

/**
 * Parses every document of a manifest file (YAML 1.1, as upstream; JSON is YAML) and turns each
 * into a static pod. Empty documents are skipped; a bad document is reported and dropped, the others
 * are kept. Pure and deterministic.
 */
export function parseManifest(content: string, ctx: ManifestContext): ManifestResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(content, { lineCounter, version: '1.1', customTags: goYamlTags });
  const result: ManifestResult = { pods: [], errors: [] };
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    const syntax = doc.errors[0];
    if (syntax) {
      const pos = syntax.linePos?.[0];
      const message = `YAML syntax error: ${syntax.message.split('\n')[0] ?? ''}`;
      result.errors.push({ document: index, message, ...(pos ? { line: pos.line, column: pos.col } : {}) });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // Untrusted input: alias bombs and the like are reported on the document, not thrown.
      if (!(err instanceof Error)) throw err;
      result.errors.push({ document: index, message: `YAML error: ${err.message}` });
      return;
    }
    if (value === null || value === undefined) return;
    const out = toStaticPod(value, index, ctx);
    if ('pod' in out) result.pods.push({ document: index, pod: out.pod });
    else result.errors.push(...out.errors);
  });
  return result;
}
