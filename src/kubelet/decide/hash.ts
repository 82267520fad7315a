/**
 * The container spec hash stored in the `io.kubernetes.container.hash` annotation; when the hash of
 * the desired container differs from the running instance's, that container is killed and started
 * again (upstream `HashContainer` + `containerChanged`).
 *
 * What is hashed: the whole container except the fields that may change without a restart —
 * `resources` and `resizePolicy` (in-place resize) — as upstream did with
 * `HashContainerWithoutResources` until 1.30. Upstream 1.31+ hashes only name and image, because the
 * API server lets nothing else change; tskube hashes more because a static pod's manifest can be
 * edited in place, and a changed command, env or probe must then restart the container. The price,
 * as upstream learned, is that a change in defaulting between tskube versions restarts containers:
 * always hash the defaulted container, and treat defaulting changes as breaking.
 *
 * The encoding is canonical JSON (keys sorted; `undefined`, `null`, empty arrays and empty objects
 * dropped, as Go's `omitempty` would) hashed with 32-bit FNV-1a and written in lowercase hex like
 * upstream's `strconv.FormatUint(hash, 16)`. Stable across key order and Node versions.
 */
import type { Container } from '../../api/index.js';

/** Fields a running container may change in place; excluded from the hash. */
const MUTABLE_IN_PLACE: ReadonlySet<string> = new Set(['resources', 'resizePolicy']);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return value === null ? undefined : value;
}

/** 32-bit FNV-1a over the UTF-8 bytes of `s`. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The spec hash of a container, as lowercase hex without leading zeros. */
export function hashContainer(container: Container): string {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(container)) {
    if (!MUTABLE_IN_PLACE.has(key)) fields[key] = value;
  }
  return fnv1a32(JSON.stringify(canonical(fields) ?? {})).toString(16);
}
