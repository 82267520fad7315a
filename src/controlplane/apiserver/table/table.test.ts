import { describe, expect, it } from 'vitest';
import type { KObject } from '../object.js';
import { humanDuration } from './duration.js';
import { podPrinter, summarizePod } from './pod-printer.js';
import { eventPrinter, formatEndpoints, nodePrinter, servicePrinter } from './printers.js';
import { DEFAULT_PRINTER, toTable } from './table.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');

describe('humanDuration', () => {
  it.each([
    [-3000, '<invalid>'],
    [-500, '0s'],
    [5_000, '5s'],
    [119_000, '119s'],
    [125_000, '2m5s'],
    [600_000, '10m'],
    [3 * 3600_000 + 600_000, '3h10m'],
    [10 * 3600_000, '10h'],
    [50 * 3600_000, '2d2h'],
    [30 * 86400_000, '30d'],
    [(365 * 3 + 5) * 86400_000, '3y5d'],
    [365 * 9 * 86400_000, '9y'],
  ])('%d ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

function podWith(status: Record<string, unknown>, extra: Partial<KObject> = {}): KObject {
  return {
    metadata: { name: 'p', creationTimestamp: '2025-01-01T11:59:00Z', ...(extra.metadata ?? {}) },
    spec: { containers: [{ name: 'a' }, { name: 'b' }], ...((extra.spec as object | undefined) ?? {}) },
    status,
  };
}

describe('pod printer', () => {
  it('summarizes readiness, reasons and restarts as upstream', () => {
    expect(summarizePod(podWith({ phase: 'Pending' }), NOW)).toEqual({ ready: '0/2', status: 'Pending', restarts: '0' });
    const running = podWith({
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: true, restartCount: 0, state: { running: {} } },
        { name: 'b', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { finishedAt: '2025-01-01T11:58:00Z' } } },
      ],
    });
    expect(summarizePod(running, NOW)).toEqual({ ready: '1/2', status: 'CrashLoopBackOff', restarts: '3 (2m ago)' });
    const init = podWith({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { waiting: { reason: 'PodInitializing' } } }] }, { spec: { containers: [{ name: 'a' }], initContainers: [{ name: 'i' }] } });
    expect(summarizePod(init, NOW).status).toBe('Init:0/1');
    const terminating = podWith({ phase: 'Running' }, { metadata: { name: 'p', deletionTimestamp: '2025-01-01T12:00:30Z' } });
    expect(summarizePod(terminating, NOW).status).toBe('Terminating');
    expect(summarizePod(podWith({ phase: 'Running', containerStatuses: [{ state: { terminated: { exitCode: 2 } } }] }), NOW).status).toBe('ExitCode:2');
  });

  it('fills the wide columns', () => {
    const cells = podPrinter.cells(podWith({ phase: 'Running', podIPs: [{ ip: '10.0.0.5' }] }, { spec: { containers: [], nodeName: 'n1', readinessGates: [{ conditionType: 'x' }] } }), NOW);
    expect(cells).toEqual(['p', '0/0', 'Running', '0', '60s', '10.0.0.5', 'n1', '<none>', '0/1']);
    expect(podPrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ]);
  });
});

describe('other printers', () => {
  it('nodes, services, events and endpoints', () => {
    const node: KObject = { metadata: { name: 'n1', labels: { 'node-role.kubernetes.io/control-plane': '' } }, spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.32.0' }, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } };
    expect(nodePrinter.cells(node, NOW).slice(0, 7)).toEqual(['n1', 'Ready,SchedulingDisabled', 'control-plane', '<unknown>', 'v1.32.0', '10.0.0.1', '<none>']);
    const svc: KObject = { metadata: { name: 's' }, spec: { type: 'NodePort', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { b: '2', a: '1' } } };
    expect(servicePrinter.cells(svc, NOW)).toEqual(['s', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP,53/UDP', '<unknown>', 'a=1,b=2']);
    const ev: KObject = { metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'web' }, reason: 'Pulled', type: 'Normal', message: ' done ', source: { component: 'kubelet', host: 'n1' }, lastTimestamp: '2025-01-01T11:59:50Z' };
    expect(eventPrinter.cells(ev, NOW)).toEqual(['10s', 'Normal', 'Pulled', 'pod/web', '', 'kubelet, n1', 'done', '<unknown>', 1, 'e']);
    const ep: KObject = { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '1.1.1.1' }, { ip: '2.2.2.2' }, { ip: '3.3.3.3' }, { ip: '4.4.4.4' }], ports: [{ port: 80 }] }] };
    expect(formatEndpoints(ep)).toBe('1.1.1.1:80,2.2.2.2:80,3.3.3.3:80 + 1 more...');
  });

  it('builds Tables with PartialObjectMetadata rows, full objects or none', () => {
    const obj: KObject = { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'x', creationTimestamp: '2025-01-01T00:00:00Z' } };
    const t = toTable(undefined, [obj], { resourceVersion: '7' }, { includeObject: 'Metadata', now: NOW });
    expect(t).toEqual({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '7' },
      columnDefinitions: DEFAULT_PRINTER.columns,
      rows: [{ cells: ['x', '2025-01-01T00:00:00Z'], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata } }],
    });
    expect(toTable(undefined, [obj], {}, { includeObject: 'Object', noHeaders: true, now: NOW })).toMatchObject({ rows: [{ object: obj }] });
    expect(toTable(undefined, [obj], {}, { includeObject: 'None', noHeaders: true, now: NOW }).columnDefinitions).toBeUndefined();
  });
});
