/**
 * The registry: lookups over the resource table by URL (group, version, plural), by kind, and the
 * group/version structure discovery publishes. Built once at start; read-only afterwards.
 */
import type { ResourceDef } from './types.js';

export type * from './types.js';
export { apiVersionOf, ALL_VERBS } from './types.js';

export interface GroupVersions {
  group: string;
  versions: string[];
}

export class Registry {
  private readonly byPath = new Map<string, ResourceDef>();
  private readonly byKind = new Map<string, ResourceDef>();
  readonly resources: readonly ResourceDef[];

  constructor(defs: readonly ResourceDef[]) {
    this.resources = defs;
    for (const d of defs) {
      const key = `${d.group}/${d.version}/${d.plural}`;
      if (this.byPath.has(key)) throw new RangeError(`resource ${key} registered twice`);
      this.byPath.set(key, d);
      this.byKind.set(`${d.group}/${d.version}/${d.kind}`, d);
    }
  }

  lookup(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  byGroupVersionKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.byKind.get(`${group}/${version}/${kind}`);
  }

  /** Resources of one group version, in table order. */
  inGroupVersion(group: string, version: string): ResourceDef[] {
    return this.resources.filter((d) => d.group === group && d.version === version);
  }

  /** The named groups (not core), each with its versions, preferred first. */
  groups(): GroupVersions[] {
    const out = new Map<string, string[]>();
    for (const d of this.resources) {
      if (d.group === '') continue;
      const versions = out.get(d.group) ?? [];
      if (!versions.includes(d.version)) versions.push(d.version);
      out.set(d.group, versions);
    }
    return [...out].map(([group, versions]) => ({ group, versions }));
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.resources.some((d) => d.group === group && d.version === version);
  }
}

/** Storage key prefix of a resource, ending in `/`: `/registry/pods/`, `/registry/leases.coordination.k8s.io/`. */
export function storagePrefix(def: ResourceDef): string {
  const segment = def.storageResource ?? (def.group ? `${def.plural}.${def.group}` : def.plural);
  return `/registry/${segment}/`;
}
