/**
 * Content negotiation from the Accept header: plain JSON or YAML objects, `meta.k8s.io` Tables
 * (`application/json;as=Table;v=v1;g=meta.k8s.io`), PartialObjectMetadata, and the aggregated
 * discovery document. Entries are taken by quality, then order; protobuf is never produced, so a
 * client accepting only protobuf gets a 406.
 */

export interface MediaRange {
  type: string;
  subtype: string;
  params: Record<string, string>;
  q: number;
}

/** Parses an Accept header into media ranges, best first (stable for equal quality). */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || header.trim() === '') return [{ type: '*', subtype: '*', params: {}, q: 1 }];
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [mt = '', ...paramParts] = part.split(';').map((s) => s.trim());
    const [type = '', subtype = ''] = mt.toLowerCase().split('/');
    if (!type || !subtype) continue;
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of paramParts) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim();
      const v = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (k === 'q') q = Number(v);
      else params[k] = v;
    }
    if (!Number.isNaN(q) && q > 0) out.push({ type, subtype, params, q });
  }
  return out.map((m, i) => ({ m, i })).sort((a, b) => b.m.q - a.m.q || a.i - b.i).map((x) => x.m);
}

export type ResponseFormat =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table' }
  | { kind: 'partial' }
  | { kind: 'discovery' };

export interface NegotiateOptions {
  /** Tables and PartialObjectMetadata may be answered (reads of resources). */
  transforms?: boolean;
  /** The aggregated discovery document may be answered (`/api`, `/apis`). */
  discovery?: boolean;
}

/**
 * Answers by Accept header and options: clients send the same few headers on every request. Kept
 * small (cleared when full) since headers come from clients. Formats are shared: never change one.
 */
const negotiated = new Map<string, ResponseFormat | undefined>();
const NEGOTIATED_MAX = 256;

/** The response format for an Accept header, or undefined when nothing acceptable can be produced. */
export function negotiate(accept: string | undefined, opts: NegotiateOptions = {}): ResponseFormat | undefined {
  const key = `${opts.transforms ? 't' : '-'}${opts.discovery ? 'd' : '-'}${accept ?? ''}`;
  if (negotiated.has(key)) return negotiated.get(key);
  const format = negotiateUncached(accept, opts);
  if (negotiated.size >= NEGOTIATED_MAX) negotiated.clear();
  negotiated.set(key, format);
  return format;
}

function negotiateUncached(accept: string | undefined, opts: NegotiateOptions): ResponseFormat | undefined {
  for (const m of parseAccept(accept)) {
    const anyJson = (m.type === 'application' && (m.subtype === 'json' || m.subtype === '*')) || (m.type === '*' && m.subtype === '*');
    const as = m.params.as;
    if (as !== undefined) {
      if (m.subtype !== 'json') continue;
      if (opts.transforms && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1')) {
        if (as === 'Table') return { kind: 'table' };
        if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { kind: 'partial' };
      }
      if (opts.discovery && as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io' && m.params.v === 'v2') return { kind: 'discovery' };
      continue;
    }
    if (anyJson) return { kind: 'json' };
    if (m.type === 'application' && m.subtype === 'yaml') return { kind: 'yaml' };
  }
  return undefined;
}

export const PRODUCED_MEDIA_TYPES = ['application/json', 'application/yaml'];
