import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/index.js';
import { computePodActions } from './actions.js';
import { container, digest, instance, makePod, runtimeView, sandbox, sync, type ActionCase } from './fixtures.js';

const three = makePod({ containers: [container('a'), container('b'), container('c')] });
const withPolicy = (restartPolicy: 'Always' | 'OnFailure' | 'Never'): Pod => ({ ...three, spec: { ...three.spec, restartPolicy } });
const allExited = (p: Pod) =>
  runtimeView([sandbox()], [instance(p, 'a', 'CONTAINER_EXITED'), instance(p, 'b', 'CONTAINER_EXITED', { exitCode: 1 }), instance(p, 'c', 'CONTAINER_RUNNING')]);
const deadSandbox = (p: Pod) =>
  runtimeView(
    [sandbox({ ready: false })],
    [instance(p, 'a', 'CONTAINER_EXITED'), instance(p, 'b', 'CONTAINER_EXITED', { exitCode: 1 }), instance(p, 'c', 'CONTAINER_EXITED')],
  );

describe('computePodActions: sandbox and app containers (upstream TestComputePodActions)', () => {
  const cases: ActionCase[] = [
    {
      name: 'a new pod gets a sandbox with attempt 0 and all its containers',
      pod: three,
      runtime: () => runtimeView([], []),
      want: { type: 'CreateSandbox', attempt: 0, reason: 'NoSandbox', init: [], start: ['a:NotStarted', 'b:NotStarted', 'c:NotStarted'], backedOff: [] },
    },
    {
      name: 'a running pod with every container running needs nothing',
      pod: three,
      runtime: (p) => runtimeView([sandbox()], ['a', 'b', 'c'].map((n) => instance(p, n, 'CONTAINER_RUNNING'))),
      want: sync(),
    },
    {
      name: 'restartPolicy Always restarts exited containers whatever their exit code',
      pod: withPolicy('Always'),
      runtime: allExited,
      want: sync({ start: ['a:Restart', 'b:Restart'] }),
    },
    {
      name: 'restartPolicy OnFailure restarts only failed containers',
      pod: withPolicy('OnFailure'),
      runtime: allExited,
      want: sync({ start: ['b:Restart'] }),
    },
    {
      name: 'restartPolicy Never restarts nothing',
      pod: withPolicy('Never'),
      runtime: allExited,
      want: sync(),
    },
    {
      name: 'a dead sandbox under Always: kill the pod and recreate everything with the next attempt',
      pod: withPolicy('Always'),
      runtime: deadSandbox,
      want: { type: 'CreateSandbox', attempt: 1, reason: 'SandboxNotReady', init: [], start: ['a:NotStarted', 'b:NotStarted', 'c:NotStarted'], backedOff: [] },
    },
    {
      name: 'a dead sandbox under OnFailure: recreate all but the succeeded containers',
      pod: withPolicy('OnFailure'),
      runtime: deadSandbox,
      want: { type: 'CreateSandbox', attempt: 1, reason: 'SandboxNotReady', init: [], start: ['b:NotStarted'], backedOff: [] },
    },
    {
      name: 'a dead sandbox under Never with containers that ran: no new sandbox, the pod is done',
      pod: withPolicy('Never'),
      runtime: deadSandbox,
      want: { type: 'KillPod', attempt: 1, reason: 'Completed' },
    },
    {
      name: 'a dead sandbox under Never with no container ever created: retry the sandbox',
      pod: withPolicy('Never'),
      runtime: () => runtimeView([sandbox({ ready: false })], []),
      want: { type: 'CreateSandbox', attempt: 1, reason: 'SandboxNotReady', init: [], start: ['a:NotStarted', 'b:NotStarted', 'c:NotStarted'], backedOff: [] },
    },
    {
      name: 'a dead sandbox under OnFailure with every container succeeded: no new sandbox',
      pod: withPolicy('OnFailure'),
      runtime: (p) => runtimeView([sandbox({ ready: false })], ['a', 'b', 'c'].map((n) => instance(p, n, 'CONTAINER_EXITED'))),
      want: { type: 'KillPod', attempt: 1, reason: 'Completed' },
    },
    {
      name: 'a ready sandbox without an IP is replaced',
      pod: three,
      runtime: (p) => runtimeView([sandbox({ ip: null })], ['a', 'b', 'c'].map((n) => instance(p, n, 'CONTAINER_RUNNING'))),
      want: { type: 'CreateSandbox', attempt: 1, reason: 'NoPodIP', init: [], start: ['a:NotStarted', 'b:NotStarted', 'c:NotStarted'], backedOff: [] },
    },
    {
      name: 'a host-network pod needs no IP',
      pod: makePod({ hostNetwork: true }),
      runtime: (p) => runtimeView([sandbox({ network: 'NODE' })], [instance(p, 'app', 'CONTAINER_RUNNING')]),
      want: sync(),
    },
    {
      name: 'a sandbox whose network namespace mode no longer matches hostNetwork is replaced',
      pod: makePod({ hostNetwork: true }),
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'app', 'CONTAINER_RUNNING')]),
      want: { type: 'CreateSandbox', attempt: 1, reason: 'NetworkNamespaceChanged', init: [], start: ['app:NotStarted'], backedOff: [] },
    },
    {
      name: 'two ready sandboxes are reconciled into a new one after the highest attempt',
      pod: makePod(),
      runtime: (p) => runtimeView([sandbox({ id: 'x', attempt: 2, created: 2 }), sandbox({ id: 'y', attempt: 3, created: 3 })], [instance(p, 'app', 'CONTAINER_RUNNING')]),
      want: { type: 'CreateSandbox', attempt: 4, reason: 'MultipleReadySandboxes', init: [], start: ['app:NotStarted'], backedOff: [] },
    },
    {
      name: 'a changed spec kills and restarts just that container',
      pod: three,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'a', 'CONTAINER_RUNNING'), instance(p, 'b', 'CONTAINER_RUNNING', { hash: 'stale' }), instance(p, 'c', 'CONTAINER_RUNNING')]),
      want: sync({ kill: ['b:SpecChanged'], start: ['b:SpecChanged'] }),
    },
    {
      name: 'a changed spec restarts the container even under restartPolicy Never',
      pod: makePod({ restartPolicy: 'Never' }),
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'app', 'CONTAINER_RUNNING', { hash: 'stale' })]),
      want: sync({ kill: ['app:SpecChanged'], start: ['app:SpecChanged'] }),
    },
    {
      name: 'a failed liveness probe kills and restarts the container',
      pod: three,
      runtime: (p) => runtimeView([sandbox()], ['a', 'b', 'c'].map((n) => instance(p, n, 'CONTAINER_RUNNING'))),
      ctx: { probes: { liveness: new Map([['a-0', 'failure']]) } },
      want: sync({ kill: ['a:LivenessProbe'], start: ['a:LivenessProbe'] }),
    },
    {
      name: 'a failed startup probe kills and restarts the container',
      pod: three,
      runtime: (p) => runtimeView([sandbox()], ['a', 'b', 'c'].map((n) => instance(p, n, 'CONTAINER_RUNNING'))),
      ctx: { probes: { startup: new Map([['c-0', 'failure']]) } },
      want: sync({ kill: ['c:StartupProbe'], start: ['c:StartupProbe'] }),
    },
    {
      name: 'a liveness failure of a previous instance does not touch the new one',
      pod: makePod(),
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'app', 'CONTAINER_RUNNING', { id: 'new', restartCount: 1, created: 10 })]),
      ctx: { probes: { liveness: new Map([['old', 'failure']]) } },
      want: sync(),
    },
    {
      name: 'under Never a container failing liveness is killed, not restarted, and the pod ends',
      pod: makePod({ restartPolicy: 'Never' }),
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'app', 'CONTAINER_RUNNING')]),
      ctx: { probes: { liveness: new Map([['app-0', 'failure']]) } },
      want: { type: 'KillPod', attempt: 0, reason: 'Completed' },
    },
    {
      name: 'a container in unknown state is killed before it is restarted',
      pod: three,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'a', 'CONTAINER_RUNNING'), instance(p, 'b', 'CONTAINER_UNKNOWN'), instance(p, 'c', 'CONTAINER_RUNNING')]),
      want: sync({ kill: ['b:Unknown'], start: ['b:Unknown'] }),
    },
    {
      name: 'a container stuck in created is started again',
      pod: three,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'a', 'CONTAINER_RUNNING'), instance(p, 'b', 'CONTAINER_CREATED'), instance(p, 'c', 'CONTAINER_RUNNING')]),
      want: sync({ start: ['b:Created'] }),
    },
    {
      name: 'a container removed from the runtime is started again',
      pod: three,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'a', 'CONTAINER_RUNNING'), instance(p, 'c', 'CONTAINER_RUNNING')]),
      want: sync({ start: ['b:NotStarted'] }),
    },
    {
      name: 'under Never, once every app container exited the pod is done',
      pod: withPolicy('Never'),
      runtime: (p) => runtimeView([sandbox()], ['a', 'b', 'c'].map((n) => instance(p, n, 'CONTAINER_EXITED', { exitCode: n === 'b' ? 1 : 0 }))),
      want: { type: 'KillPod', attempt: 0, reason: 'Completed' },
    },
    {
      name: 'a pod being deleted restarts nothing',
      pod: { ...three, metadata: { ...three.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } },
      runtime: allExited,
      want: sync(),
    },
    {
      name: 'a container in crash-loop back-off is not started but reported',
      pod: withPolicy('Always'),
      runtime: allExited,
      ctx: { inBackOff: (name) => name === 'b' },
      want: sync({ start: ['a:Restart'], backedOff: ['b'] }),
    },
    {
      name: 'back-off is only asked about containers that exited before',
      pod: three,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'a', 'CONTAINER_RUNNING'), instance(p, 'c', 'CONTAINER_RUNNING')]),
      ctx: { inBackOff: () => true },
      want: sync({ start: ['b:NotStarted'] }),
    },
    {
      name: 'a backed-off only container keeps the pod alive instead of killing it',
      pod: makePod(),
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'app', 'CONTAINER_EXITED', { exitCode: 1 })]),
      ctx: { inBackOff: () => true },
      want: sync({ backedOff: ['app'] }),
    },
  ];

  it.each(cases)('$name', ({ pod, runtime, ctx, want }) => {
    expect(digest(computePodActions(pod, runtime(pod), ctx))).toEqual(want);
  });

  it('gives each start the next restart count and each kill upstream words', () => {
    const pod = makePod();
    const runtime = runtimeView(
      [sandbox()],
      [instance(pod, 'app', 'CONTAINER_RUNNING', { id: 'c2', restartCount: 2, created: 20, hash: 'stale' }), instance(pod, 'app', 'CONTAINER_EXITED', { id: 'c1', restartCount: 1, created: 10 })],
    );
    const a = computePodActions(pod, runtime);
    expect(a).toMatchObject({
      type: 'SyncContainers',
      sandboxId: 'sb-0',
      containersToKill: [{ containerId: 'c2', name: 'app', kind: 'regular', reason: 'SpecChanged', message: 'Container app definition changed, will be restarted' }],
      containersToStart: [{ name: 'app', index: 0, kind: 'regular', restartCount: 3 }],
    });
  });

  it('hands the back-off check the newest exited instance', () => {
    const pod = makePod();
    const older = instance(pod, 'app', 'CONTAINER_EXITED', { id: 'c1', exitCode: 1, created: 10 });
    const newer = instance(pod, 'app', 'CONTAINER_EXITED', { id: 'c2', exitCode: 1, created: 20, restartCount: 1 });
    const seen: string[] = [];
    computePodActions(pod, runtimeView([sandbox()], [older, newer]), {
      inBackOff: (_name, lastExit) => {
        seen.push(lastExit.id);
        return false;
      },
    });
    expect(seen).toEqual(['c2']);
  });
});
