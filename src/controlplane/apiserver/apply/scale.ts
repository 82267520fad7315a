/**
 * managedFields across the `scale` subresource (upstream's `ScaleHandler`): the managers of the
 * parent that own `.spec.replicas` are the managers of the Scale's `.spec.replicas`, and after a
 * write through the Scale its owners of `.spec.replicas` become the parent's (those that lost it
 * keep their other fields). Pure.
 */
import type { ManagedFieldsEntry } from '../../../api/index.js';
import { FieldSet, field, type Path } from './fieldpath.js';
import { decodeManaged, encodeManaged, ManagedFieldsError, type Manager } from './managed.js';

const REPLICAS: Path = [field('spec'), field('replicas')];

function decodeOrEmpty(entries: unknown): Map<string, Manager> {
  try {
    return decodeManaged(entries);
  } catch (err) {
    if (err instanceof ManagedFieldsError) return new Map();
    throw err;
  }
}

/** The Scale's managedFields: the parent's owners of `.spec.replicas`. */
export function managedFieldsToScale(parent: unknown): ManagedFieldsEntry[] {
  const out = new Map<string, Manager>();
  for (const [id, m] of decodeOrEmpty(parent)) if (m.set.has(REPLICAS)) out.set(id, { ...m, set: FieldSet.of(REPLICAS) });
  return encodeManaged(out);
}

/** The parent's managedFields after a write through the Scale whose managedFields are `scale`. */
export function managedFieldsToParent(parent: unknown, scale: unknown, parentApiVersion: string): ManagedFieldsEntry[] {
  const parents = decodeOrEmpty(parent);
  const scales = decodeOrEmpty(scale);
  const out = new Map<string, Manager>();
  for (const [id, m] of parents) {
    if (!m.set.has(REPLICAS) || scales.has(id)) {
      out.set(id, m);
      scales.delete(id);
      continue;
    }
    const rest = m.set.difference(FieldSet.of(REPLICAS));
    if (!rest.empty()) out.set(id, { ...m, set: rest });
  }
  for (const [id, m] of scales) if (m.set.has(REPLICAS)) out.set(id, { ...m, apiVersion: parentApiVersion, set: FieldSet.of(REPLICAS) });
  return encodeManaged(out);
}
