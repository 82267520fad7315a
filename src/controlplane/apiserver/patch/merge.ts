/** JSON merge patch (RFC 7386), as `evanphx/json-patch`'s MergePatch applies it. Pure. */
import { isRecord } from '../object.js';

/** Applies `patch` to `target` (neither is changed) and returns the result. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}
