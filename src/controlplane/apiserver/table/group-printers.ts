/**
 * Upstream's printers (pkg/printers/internalversion, v1.32) of policy, rbac, storage, scheduling,
 * certificates and discovery kinds and of core PVs, PVCs and quotas. Roles, cluster roles and
 * limit ranges print NAME / CREATED AT upstream, which is the default table.
 */
import type { KObject } from '../object.js';
import { arrayAt, isRecord, recordAt, stringAt } from '../object.js';
import type { TablePrinter } from '../registry/types.js';
import { AGE_COLUMN, NAME_COLUMN, col } from './columns.js';
import { humanDuration, since } from './duration.js';

const name = (o: KObject): string => o.metadata.name ?? '';
const age = (o: KObject, now: number): string => since(o.metadata.creationTimestamp, now);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

export const podDisruptionBudgetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Min Available', 'The minimum number of pods that must be available simultaneously.  This can be either an integer or a string specifying a percentage, e.g. "28%".'),
    col('Max Unavailable', 'The maximum number of pods that may be unavailable simultaneously.  This can be either an integer or a string specifying a percentage, e.g. "28%".'),
    col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
    AGE_COLUMN,
  ],
  cells(o, now) {
    const spec = recordAt(o, 'spec') ?? {};
    const allowed = recordAt(o, 'status')?.disruptionsAllowed;
    return [name(o), str(spec.minAvailable) || 'N/A', str(spec.maxUnavailable) || 'N/A', typeof allowed === 'number' ? allowed : 0, age(o, now)];
  },
};

function subjects(o: KObject, kind: string): string {
  return arrayAt(o, 'subjects')
    .filter(isRecord)
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${str(s.namespace)}/${str(s.name)}` : str(s.name)))
    .join(', ');
}

export const roleBindingPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Role', 'RoleRef is the reference to the role.'),
    AGE_COLUMN,
    col('Users', 'Users in the roleBinding.', { priority: 1 }),
    col('Groups', 'Groups in the roleBinding.', { priority: 1 }),
    col('ServiceAccounts', 'ServiceAccounts in the roleBinding.', { priority: 1 }),
  ],
  cells: (o, now) => [name(o), `${stringAt(o, 'roleRef', 'kind')}/${stringAt(o, 'roleRef', 'name')}`, age(o, now), subjects(o, 'User'), subjects(o, 'Group'), subjects(o, 'ServiceAccount')],
};

const IS_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';

export const storageClassPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Provisioner', 'Indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'Dynamically provisioned PersistentVolumes of this storage class are created with this reclaimPolicy. Defaults to Delete.'),
    col('VolumeBindingMode', 'VolumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.'),
    col('AllowVolumeExpansion', 'AllowVolumeExpansion shows whether the storage class allow volume expand', { type: 'boolean' }),
    AGE_COLUMN,
  ],
  cells(o, now) {
    const isDefault = o.metadata.annotations?.[IS_DEFAULT_CLASS] === 'true' || o.metadata.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
    return [isDefault ? `${name(o)} (default)` : name(o), str(o.provisioner), str(o.reclaimPolicy) || 'Delete', str(o.volumeBindingMode) || 'Immediate', o.allowVolumeExpansion === true, age(o, now)];
  },
};

export const priorityClassPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Value', 'The value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.', { type: 'integer' }),
    col('Global-Default', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.', { type: 'boolean' }),
    AGE_COLUMN,
    col('PreemptionPolicy', 'PreemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.', { priority: 1 }),
  ],
  cells: (o, now) => [name(o), typeof o.value === 'number' ? o.value : 0, o.globalDefault === true, age(o, now), str(o.preemptionPolicy)],
};

function csrCondition(o: KObject): string {
  const conds = arrayAt(o, 'status', 'conditions').filter(isRecord);
  const out: string[] = [];
  for (const t of ['Approved', 'Denied', 'Failed']) if (conds.some((c) => c.type === t)) out.push(t);
  if (out.length === 0) return 'Pending';
  if (stringAt(o, 'status', 'certificate') !== '') out.push('Issued');
  return out.join(',');
}

export const csrPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    AGE_COLUMN,
    col('SignerName', 'Name of the signer that will sign the certificate.'),
    col('Requestor', 'Name of the user that requested the certificate.'),
    col('RequestedDuration', 'The requested duration of validity of the certificate.'),
    col('Condition', 'Condition of the certificate signing request.'),
  ],
  cells(o, now) {
    const seconds = recordAt(o, 'spec')?.expirationSeconds;
    return [name(o), age(o, now), stringAt(o, 'spec', 'signerName'), stringAt(o, 'spec', 'username'), typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>', csrCondition(o)];
  },
};

const MODE_SHORT: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const accessModes = (v: unknown[]): string => v.map((m) => MODE_SHORT[str(m)] ?? str(m)).join(',');
const VAC = col('VolumeAttributesClass', 'The VolumeAttributesClass of the PV.');
const VOLUME_MODE = col('VolumeMode', 'Defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', { priority: 1 });

export const persistentVolumePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Capacity', 'The storage capacity of the PV.'),
    col('Access Modes', 'AccessModes contains all ways the volume can be mounted.'),
    col('Reclaim Policy', 'What happens to a persistent volume when released from its claim.'),
    col('Status', 'Phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'ClaimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    col('StorageClass', 'Name of StorageClass to which this persistent volume belongs.'),
    VAC,
    col('Reason', 'Reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    AGE_COLUMN,
    VOLUME_MODE,
  ],
  cells(o, now) {
    const spec = recordAt(o, 'spec') ?? {};
    const claim = recordAt(spec, 'claimRef');
    return [
      name(o),
      stringAt(spec, 'capacity', 'storage'),
      accessModes(arrayAt(spec, 'accessModes')),
      str(spec.persistentVolumeReclaimPolicy),
      stringAt(o, 'status', 'phase'),
      claim ? `${str(claim.namespace)}/${str(claim.name)}` : '',
      str(spec.storageClassName),
      str(spec.volumeAttributesClassName) || '<unset>',
      stringAt(o, 'status', 'reason'),
      age(o, now),
      str(spec.volumeMode) || '<unset>',
    ];
  },
};

export const persistentVolumeClaimPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Status', 'Phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'VolumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'Capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'AccessModes contains the desired access modes the volume should have.'),
    col('StorageClass', 'StorageClassName is the name of the StorageClass required by the claim.'),
    VAC,
    AGE_COLUMN,
    VOLUME_MODE,
  ],
  cells(o, now) {
    const spec = recordAt(o, 'spec') ?? {};
    const phase = o.metadata.deletionTimestamp ? 'Terminating' : stringAt(o, 'status', 'phase');
    const bound = str(spec.volumeName) !== '';
    return [
      name(o),
      phase,
      str(spec.volumeName),
      bound ? stringAt(o, 'status', 'capacity', 'storage') : '',
      bound ? accessModes(arrayAt(o, 'status', 'accessModes')) : '',
      str(spec.storageClassName),
      str(spec.volumeAttributesClassName) || '<unset>',
      age(o, now),
      str(spec.volumeMode) || '<unset>',
    ];
  },
};

function quotaPairs(o: KObject, limits: boolean): string {
  const hard = recordAt(o, 'status', 'hard') ?? recordAt(o, 'spec', 'hard') ?? {};
  const used = recordAt(o, 'status', 'used') ?? {};
  return Object.keys(hard)
    .filter((k) => k.startsWith('limits.') === limits)
    .sort()
    .map((k) => `${k}: ${str(used[k]) || '0'}/${str(hard[k])}`)
    .join(', ');
}

export const resourceQuotaPrinter: TablePrinter = {
  columns: [NAME_COLUMN, AGE_COLUMN, col('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'), col('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.')],
  cells: (o, now) => [name(o), age(o, now), quotaPairs(o, false), quotaPairs(o, true)],
};

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('AddressType', 'The IP protocol for this slice'),
    col('Ports', 'The ports for this slice'),
    col('Endpoints', 'The addresses for this slice'),
    AGE_COLUMN,
  ],
  cells(o, now) {
    const ports = arrayAt(o, 'ports').filter(isRecord).map((p) => str(p.port));
    const addrs = arrayAt(o, 'endpoints').filter(isRecord).flatMap((e) => arrayAt(e, 'addresses').map(str));
    const shown = addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',');
    return [name(o), str(o.addressType), ports.length > 0 ? ports.join(',') : '<unset>', addrs.length > 0 ? shown : '<unset>', age(o, now)];
  },
};
