import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/index.js';
import { computePodActions } from './actions.js';
import { container, digest, instance, makePod, runtimeView, sandbox, sidecar, sync, type ActionCase } from './fixtures.js';

describe('computePodActions: init containers and sidecars (upstream TestComputePodActionsWithInitAndEphemeralContainers / WithRestartableInitContainers)', () => {
  const inits = makePod({ initContainers: [container('init1'), container('init2'), container('init3')] });
  const sidecars = makePod({ initContainers: [sidecar('s1'), container('init2'), sidecar('s3')] });
  const policy = (pod: Pod, restartPolicy: 'Always' | 'OnFailure' | 'Never'): Pod => ({ ...pod, spec: { ...pod.spec, restartPolicy } });

  const cases: ActionCase[] = [
    {
      name: 'a new pod with init containers starts only the first init container',
      pod: inits,
      runtime: () => runtimeView([], []),
      want: { type: 'CreateSandbox', attempt: 0, reason: 'NoSandbox', init: ['init1:NotStarted'], start: [], backedOff: [] },
    },
    {
      name: 'a running init container is waited for',
      pod: inits,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'init1', 'CONTAINER_RUNNING')]),
      want: sync(),
    },
    {
      name: 'init containers run one at a time in order',
      pod: inits,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'init1', 'CONTAINER_EXITED')]),
      want: sync({ init: ['init2:NotStarted'] }),
    },
    {
      name: 'app containers start once the last init container succeeded',
      pod: inits,
      runtime: (p) => runtimeView([sandbox()], ['init1', 'init2', 'init3'].map((n) => instance(p, n, 'CONTAINER_EXITED'))),
      want: sync({ start: ['app:NotStarted'] }),
    },
    {
      name: 'completed init containers removed by GC are not run again: the last one decides',
      pod: inits,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'init3', 'CONTAINER_EXITED')]),
      want: sync({ start: ['app:NotStarted'] }),
    },
    {
      name: 'a failed init container is restarted under OnFailure',
      pod: policy(inits, 'OnFailure'),
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'init1', 'CONTAINER_EXITED'), instance(p, 'init2', 'CONTAINER_EXITED', { exitCode: 1 })]),
      want: sync({ init: ['init2:Restart'] }),
    },
    {
      name: 'an OOM-killed init container counts as failed',
      pod: policy(inits, 'Always'),
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'init1', 'CONTAINER_EXITED', { reason: 'OOMKilled' })]),
      want: sync({ init: ['init1:Restart'] }),
    },
    {
      name: 'a failed init container under Never kills the pod',
      pod: policy(inits, 'Never'),
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'init1', 'CONTAINER_EXITED', { exitCode: 1 })]),
      want: { type: 'KillPod', attempt: 0, reason: 'InitContainerFailed' },
    },
    {
      name: 'an init container in unknown state is killed and restarted',
      pod: inits,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'init1', 'CONTAINER_UNKNOWN')]),
      want: sync({ kill: ['init1:Unknown'], init: ['init1:Unknown'] }),
    },
    {
      name: 'a running app container means initialized, even if init containers are gone',
      pod: inits,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'app', 'CONTAINER_RUNNING')]),
      want: sync(),
    },
    {
      name: 'a dead sandbox with init containers restarts from the first init container',
      pod: inits,
      runtime: (p) =>
        runtimeView([sandbox({ ready: false })], [...['init1', 'init2', 'init3'].map((n) => instance(p, n, 'CONTAINER_EXITED')), instance(p, 'app', 'CONTAINER_EXITED', { exitCode: 1 })]),
      want: { type: 'CreateSandbox', attempt: 1, reason: 'SandboxNotReady', init: ['init1:NotStarted'], start: [], backedOff: [] },
    },
    {
      name: 'a backed-off init container stops the init sequence',
      pod: inits,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'init1', 'CONTAINER_EXITED', { exitCode: 1 })]),
      ctx: { inBackOff: () => true },
      want: sync({ backedOff: ['init1'] }),
    },
    {
      name: 'a running sidecar lets the next init container start',
      pod: sidecars,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 's1', 'CONTAINER_RUNNING')]),
      want: sync({ init: ['init2:NotStarted'] }),
    },
    {
      name: 'a sidecar with a startup probe not yet succeeded holds the next init container',
      pod: makePod({ initContainers: [sidecar('s1', { startupProbe: { exec: { command: ['true'] } } }), container('init2')] }),
      runtime: (p) => runtimeView([sandbox()], [instance(p, 's1', 'CONTAINER_RUNNING')]),
      want: sync(),
    },
    {
      name: 'app containers start once the last sidecar runs',
      pod: sidecars,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 's1', 'CONTAINER_RUNNING'), instance(p, 'init2', 'CONTAINER_EXITED'), instance(p, 's3', 'CONTAINER_RUNNING')]),
      want: sync({ start: ['app:NotStarted'] }),
    },
    {
      name: 'an exited sidecar is restarted even under restartPolicy Never',
      pod: policy(sidecars, 'Never'),
      runtime: (p) =>
        runtimeView(
          [sandbox()],
          [instance(p, 's1', 'CONTAINER_EXITED', { exitCode: 1 }), instance(p, 'init2', 'CONTAINER_EXITED'), instance(p, 's3', 'CONTAINER_RUNNING'), instance(p, 'app', 'CONTAINER_RUNNING')],
        ),
      want: sync({ init: ['s1:Restart'] }),
    },
    {
      name: 'a sidecar removed from the runtime after initialization is started again, in order',
      pod: sidecars,
      runtime: (p) => runtimeView([sandbox()], [instance(p, 'app', 'CONTAINER_RUNNING')]),
      want: sync({ init: ['s1:NotStarted', 's3:NotStarted'] }),
    },
    {
      name: 'a sidecar with a changed spec is killed and restarted',
      pod: sidecars,
      runtime: (p) =>
        runtimeView([sandbox()], [instance(p, 's1', 'CONTAINER_RUNNING', { hash: 'stale' }), instance(p, 'init2', 'CONTAINER_EXITED'), instance(p, 's3', 'CONTAINER_RUNNING'), instance(p, 'app', 'CONTAINER_RUNNING')]),
      want: sync({ kill: ['s1:SpecChanged'], init: ['s1:SpecChanged'] }),
    },
    {
      name: 'a sidecar failing liveness is killed and restarted',
      pod: makePod({ initContainers: [sidecar('s1', { livenessProbe: { exec: { command: ['true'] } } })] }),
      runtime: (p) => runtimeView([sandbox()], [instance(p, 's1', 'CONTAINER_RUNNING'), instance(p, 'app', 'CONTAINER_RUNNING')]),
      ctx: { probes: { liveness: new Map([['s1-0', 'failure']]) } },
      want: sync({ kill: ['s1:LivenessProbe'], init: ['s1:LivenessProbe'] }),
    },
    {
      name: 'sidecars alone do not keep a finished pod alive',
      pod: policy(sidecars, 'Never'),
      runtime: (p) =>
        runtimeView([sandbox()], [instance(p, 's1', 'CONTAINER_RUNNING'), instance(p, 'init2', 'CONTAINER_EXITED'), instance(p, 's3', 'CONTAINER_RUNNING'), instance(p, 'app', 'CONTAINER_EXITED')]),
      want: { type: 'KillPod', attempt: 0, reason: 'Completed' },
    },
  ];

  it.each(cases)('$name', ({ pod, runtime, ctx, want }) => {
    expect(digest(computePodActions(pod, runtime(pod), ctx))).toEqual(want);
  });

  it('marks sidecar starts as sidecars', () => {
    const a = computePodActions(sidecars, runtimeView([], []));
    expect(a.type === 'CreateSandbox' && a.initContainersToStart[0]?.kind).toBe('sidecar');
  });
});
