/** Column definitions shared by printers, with upstream's descriptions (from the API docs). */
import type { ColumnDefinition } from '../registry/types.js';

export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

export const CREATION_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** A column; `priority` 1 shows only with `-o wide`. */
export function col(name: string, description: string, opts: Partial<Pick<ColumnDefinition, 'type' | 'format' | 'priority'>> = {}): ColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

export const NAME_COLUMN = col('Name', NAME_DESCRIPTION, { format: 'name' });
export const AGE_COLUMN = col('Age', CREATION_DESCRIPTION);
