/** Upstream's printers (pkg/printers/internalversion, v1.32) for the core kinds besides pods. */
import type { KObject } from '../object.js';
import { arrayAt, isRecord, recordAt, stringAt } from '../object.js';
import type { TablePrinter } from '../registry/types.js';
import { AGE_COLUMN, NAME_COLUMN, NAME_DESCRIPTION, col } from './columns.js';
import { since } from './duration.js';

type Rec = Record<string, unknown>;
const records = (v: unknown[]): Rec[] => v.filter(isRecord);
const count = (v: unknown): number => (isRecord(v) ? Object.keys(v).length : Array.isArray(v) ? v.length : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const name = (o: KObject): string => o.metadata.name ?? '';

/** Upstream `labels.FormatLabels`: sorted `k=v,k2=v2`, `<none>` when empty. */
export function formatLabels(m: unknown): string {
  if (!isRecord(m) || Object.keys(m).length === 0) return '<none>';
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${str(m[k])}`)
    .join(',');
}

export const namespacePrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Status', 'The status of the namespace'), AGE_COLUMN],
  cells: (o, now) => [name(o), stringAt(o, 'status', 'phase'), since(o.metadata.creationTimestamp, now)],
};

function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role') roles.add(v);
  }
  const list = [...roles].filter((r) => r !== '').sort();
  return list.length > 0 ? list.join(',') : '<none>';
}

function nodeAddress(o: KObject, type: string): string {
  return str(records(arrayAt(o, 'status', 'addresses')).find((a) => a.type === type)?.address) || '<none>';
}

export const nodePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE_COLUMN,
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', { priority: 1 }),
    col('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', { priority: 1 }),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
    col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { priority: 1 }),
    col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { priority: 1 }),
  ],
  cells(o, now) {
    const ready = records(arrayAt(o, 'status', 'conditions')).find((c) => c.type === 'Ready');
    const status: string[] = [];
    if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
    else status.push('Unknown');
    if (recordAt(o, 'spec')?.unschedulable === true) status.push('SchedulingDisabled');
    const info = recordAt(o, 'status', 'nodeInfo') ?? {};
    return [
      name(o),
      status.join(','),
      nodeRoles(o.metadata.labels),
      since(o.metadata.creationTimestamp, now),
      str(info.kubeletVersion),
      nodeAddress(o, 'InternalIP'),
      nodeAddress(o, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
};

export const configMapPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Data', 'Data contains the configuration data. The keys must consist of alphanumeric characters, \'-\', \'_\' or \'.\'.', { type: 'integer' }), AGE_COLUMN],
  cells: (o, now) => [name(o), count(o.data) + count(o.binaryData), since(o.metadata.creationTimestamp, now)],
};

export const secretPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Type', 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types'),
    col('Data', 'Data contains the secret data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'.', { type: 'integer' }),
    AGE_COLUMN,
  ],
  cells: (o, now) => [name(o), str(o.type), count(o.data), since(o.metadata.creationTimestamp, now)],
};

function servicePorts(ports: Rec[]): string {
  const out = ports.map((p) => {
    const proto = str(p.protocol);
    const nodePort = typeof p.nodePort === 'number' && p.nodePort > 0 ? p.nodePort : 0;
    return nodePort ? `${String(p.port)}:${nodePort}/${proto}` : `${String(p.port)}/${proto}`;
  });
  return out.length > 0 ? out.join(',') : '<none>';
}

function serviceExternalIP(o: KObject): string {
  const spec = recordAt(o, 'spec') ?? {};
  const externalIPs = arrayAt(spec, 'externalIPs').map(str);
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = records(arrayAt(o, 'status', 'loadBalancer', 'ingress')).map((i) => str(i.ip) || str(i.hostname)).filter((x) => x);
      const all = [...ingress, ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

export const servicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Type', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly by the master.'),
    col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'The list of ports that are exposed by this service.'),
    AGE_COLUMN,
    col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 }),
  ],
  cells(o, now) {
    const spec = recordAt(o, 'spec') ?? {};
    const clusterIP = str(arrayAt(spec, 'clusterIPs')[0]) || '<none>';
    return [name(o), str(spec.type), clusterIP, serviceExternalIP(o), servicePorts(records(arrayAt(spec, 'ports'))), since(o.metadata.creationTimestamp, now), formatLabels(spec.selector)];
  },
};

function eventSource(o: KObject): string {
  const component = stringAt(o, 'source', 'component') || str(o.reportingComponent);
  const instance = stringAt(o, 'source', 'host') || str(o.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

export const eventPrinter: TablePrinter = {
  columns: [
    col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col('Object', 'The object that this event is about.'),
    col('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].', { priority: 1 }),
    col('Source', 'The component reporting this event. Should be a short machine understandable string.', { priority: 1 }),
    col('Message', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', { priority: 1 }),
    col('Count', 'The number of times this event has occurred.', { priority: 1 }),
    col('Name', NAME_DESCRIPTION, { priority: 1, format: 'name' }),
  ],
  cells(o, now) {
    const first = o.firstTimestamp ? since(o.firstTimestamp, now) : since(o.eventTime, now);
    let last = o.lastTimestamp ? since(o.lastTimestamp, now) : first;
    let n = typeof o.count === 'number' ? o.count : 0;
    const series = recordAt(o, 'series');
    if (series) {
      last = since(series.lastObservedTime, now);
      n = typeof series.count === 'number' ? series.count : 0;
    } else if (n === 0) {
      n = 1;
    }
    const kind = stringAt(o, 'involvedObject', 'kind').toLowerCase();
    const objName = stringAt(o, 'involvedObject', 'name');
    const target = objName ? `${kind}/${objName}` : kind;
    return [last, str(o.type), str(o.reason), target, stringAt(o, 'involvedObject', 'fieldPath'), eventSource(o), str(o.message).trim(), first, n, name(o)];
  },
};

export const serviceAccountPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', { type: 'integer' }), AGE_COLUMN],
  cells: (o, now) => [name(o), arrayAt(o, 'secrets').length, since(o.metadata.creationTimestamp, now)],
};

/** Upstream `formatEndpoints` without a port filter: at most three `ip:port`, then `+ N more...`. */
export function formatEndpoints(o: KObject): string {
  const subsets = records(arrayAt(o, 'subsets'));
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let total = 0;
  let more = false;
  const add = (text: string): void => {
    if (list.length === 3) more = true;
    else list.push(text);
  };
  for (const ss of subsets) {
    const addrs = records(arrayAt(ss, 'addresses')).map((a) => str(a.ip));
    const ports = records(arrayAt(ss, 'ports'));
    if (ports.length === 0) {
      total += addrs.length;
      addrs.forEach((ip) => add(ip));
      continue;
    }
    for (const p of ports) {
      total += addrs.length;
      for (const ip of addrs) add(ip.includes(':') ? `[${ip}]:${String(p.port)}` : `${ip}:${String(p.port)}`);
    }
  }
  const text = list.join(',');
  return more ? `${text} + ${total - 3} more...` : text;
}

export const endpointsPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Endpoints', 'Endpoints is the list of endpoints. Wide output shows all of them.'), AGE_COLUMN],
  cells: (o, now) => [name(o), formatEndpoints(o), since(o.metadata.creationTimestamp, now)],
};

export const leasePrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), AGE_COLUMN],
  cells: (o, now) => [name(o), stringAt(o, 'spec', 'holderIdentity'), since(o.metadata.creationTimestamp, now)],
};
