/**
 * Patch strategies of list fields, from the `patchStrategy` / `patchMergeKey` tags of the
 * upstream API types (k8s.io/api, v1.32). Lists not named here are atomic (replaced whole).
 */

export interface ListPatchMeta {
  /** `merge`: merged element by element; `retainKeys` also drops keys a patch element leaves out. */
  strategy: 'merge';
  /** The element field that identifies an element; absent for lists of primitives. */
  key?: string;
  retainKeys?: boolean;
}

const m = (key?: string, retainKeys = false): ListPatchMeta => ({ strategy: 'merge', ...(key ? { key } : {}), ...(retainKeys ? { retainKeys } : {}) });

const CONTAINER: Record<string, ListPatchMeta> = {
  ports: m('containerPort'),
  env: m('name'),
  volumeMounts: m('mountPath'),
  volumeDevices: m('devicePath'),
};

/** By message name (schema naming), then field. */
export const LIST_PATCH_META: Readonly<Record<string, Readonly<Record<string, ListPatchMeta>>>> = {
  'meta.v1.ObjectMeta': { finalizers: m(), ownerReferences: m('uid') },
  'core.v1.PodSpec': {
    volumes: m('name', true),
    initContainers: m('name'),
    containers: m('name'),
    ephemeralContainers: m('name'),
    imagePullSecrets: m('name'),
    hostAliases: m('ip'),
    topologySpreadConstraints: m('topologyKey'),
    schedulingGates: m('name'),
    resourceClaims: m('name', true),
  },
  'core.v1.Container': CONTAINER,
  'core.v1.EphemeralContainer': CONTAINER,
  'core.v1.PodStatus': { conditions: m('type'), podIPs: m('ip'), hostIPs: m('ip'), resourceClaimStatuses: m('name', true) },
  'core.v1.NodeSpec': { podCIDRs: m() },
  'core.v1.NodeStatus': { conditions: m('type'), addresses: m('type') },
  'core.v1.ServiceSpec': { ports: m('port') },
  'core.v1.ServiceStatus': { conditions: m('type') },
  'core.v1.NamespaceStatus': { conditions: m('type') },
  'core.v1.ServiceAccount': { secrets: m('name') },
};

export function listPatchMeta(message: string | undefined, field: string): ListPatchMeta | undefined {
  return message === undefined ? undefined : LIST_PATCH_META[message]?.[field];
}
