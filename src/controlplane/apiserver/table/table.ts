/**
 * Objects as `meta.k8s.io/v1` Tables (what kubectl asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) and as PartialObjectMetadata. Like
 * upstream's server-side printers, every column is filled (wide ones too); kubectl picks.
 */
import type { ListMeta, ObjectMeta } from '../../../api/index.js';
import type { KObject } from '../object.js';
import type { ColumnDefinition, TablePrinter, TableRowCondition } from '../registry/types.js';
import { CREATION_DESCRIPTION, NAME_COLUMN, col } from './columns.js';

/** What a Table row carries besides its cells (`includeObject`). */
export type IncludeObject = 'None' | 'Object' | 'Metadata';

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ListMeta;
  /** Omitted in watch events after the first, to save bandwidth (kubectl reuses the last ones). */
  columnDefinitions?: ColumnDefinition[];
  rows: TableRow[];
}

/** Upstream's default convertor for kinds without a printer: NAME and CREATED AT. */
export const DEFAULT_PRINTER: TablePrinter = {
  columns: [NAME_COLUMN, col('Created At', CREATION_DESCRIPTION, { type: 'date' })],
  cells: (obj) => [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? null],
};

/** `metav1.PartialObjectMetadata` of an object. */
export function partialObjectMetadata(obj: KObject): { kind: 'PartialObjectMetadata'; apiVersion: 'meta.k8s.io/v1'; metadata: ObjectMeta } {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export interface TableOptions {
  includeObject: IncludeObject;
  /** Leave out column definitions (watch events after the first). */
  noHeaders?: boolean;
  now: number;
}

function rowOf(printer: TablePrinter, obj: KObject, opts: TableOptions): TableRow {
  let cells: unknown[];
  try {
    cells = printer.cells(obj, opts.now);
  } catch {
    // A printer must not fail a read over an odd stored object: fall back to the name.
    cells = [obj.metadata.name ?? '', ...printer.columns.slice(1).map(() => '')];
  }
  const row: TableRow = { cells };
  const conditions = printer.conditions?.(obj);
  if (conditions) row.conditions = conditions;
  if (opts.includeObject === 'Object') row.object = obj;
  else if (opts.includeObject === 'Metadata') row.object = partialObjectMetadata(obj);
  return row;
}

/** A Table of `objects`; `meta` is the list's metadata (or `{resourceVersion}` of one object). */
export function toTable(printer: TablePrinter | undefined, objects: readonly KObject[], meta: ListMeta, opts: TableOptions): Table {
  const p = printer ?? DEFAULT_PRINTER;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    ...(opts.noHeaders ? {} : { columnDefinitions: [...p.columns] }),
    rows: objects.map((o) => rowOf(p, o, opts)),
  };
}
