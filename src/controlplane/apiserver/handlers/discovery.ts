/**
 * Discovery documents: aggregated (apidiscovery.k8s.io/v2 `APIGroupDiscoveryList`, which kubectl
 * asks for first) and the legacy APIVersions / APIGroupList / APIGroup / APIResourceList, all
 * generated from the registry. Pure builders; the dispatcher picks one by path and Accept.
 */
import type { Registry, ResourceDef } from '../registry/index.js';

/** The Content-Type kubectl requires on aggregated discovery answers, exactly. */
export const DISCOVERY_V2_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

function discoveryResource(def: ResourceDef): Record<string, unknown> {
  return {
    resource: def.plural,
    responseKind: { group: def.group, version: def.version, kind: def.kind },
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    verbs: [...def.verbs],
    ...(def.shortNames.length > 0 ? { shortNames: [...def.shortNames] } : {}),
    ...(def.categories.length > 0 ? { categories: [...def.categories] } : {}),
    ...(def.subresources.length > 0
      ? { subresources: def.subresources.map((s) => ({ subresource: s.name, responseKind: s.kind, verbs: [...s.verbs] })) }
      : {}),
  };
}

function discoveryGroup(registry: Registry, group: string, versions: string[]): Record<string, unknown> {
  return {
    metadata: { ...(group ? { name: group } : {}), creationTimestamp: null },
    versions: versions.map((version) => ({
      version,
      resources: registry.inGroupVersion(group, version).map(discoveryResource),
      freshness: 'Current',
    })),
  };
}

/** Aggregated discovery of `/api` (the core group) or `/apis` (the named groups). */
export function aggregatedDiscovery(registry: Registry, prefix: 'api' | 'apis'): Record<string, unknown> {
  const items =
    prefix === 'api'
      ? [discoveryGroup(registry, '', ['v1'])]
      : registry.groups().map((g) => discoveryGroup(registry, g.group, g.versions));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

/** Legacy `/api`. */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(group: string, versions: string[]): Record<string, unknown> {
  const gvs = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: gvs, preferredVersion: gvs[0] };
}

/** Legacy `/apis`. */
export function apiGroupList(registry: Registry): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: registry.groups().map((g) => apiGroup(g.group, g.versions)) };
}

/** Legacy `/apis/<group>`, or undefined when the group is not served. */
export function apiGroupDoc(registry: Registry, group: string): Record<string, unknown> | undefined {
  const g = registry.groups().find((x) => x.group === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g.group, g.versions) } : undefined;
}

/** Legacy `/api/v1` or `/apis/<group>/<version>`: resources and their subresources. */
export function apiResourceList(registry: Registry, group: string, version: string): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const def of registry.inGroupVersion(group, version)) {
    resources.push({
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: [...def.verbs],
      ...(def.shortNames.length > 0 ? { shortNames: [...def.shortNames] } : {}),
      ...(def.categories.length > 0 ? { categories: [...def.categories] } : {}),
    });
    for (const s of def.subresources) {
      resources.push({
        name: `${def.plural}/${s.name}`,
        singularName: '',
        namespaced: def.namespaced,
        ...(s.kind.group !== group || s.kind.version !== version ? { group: s.kind.group, version: s.kind.version } : {}),
        kind: s.kind.kind,
        verbs: [...s.verbs],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
