import { describe, expect, it } from 'vitest';
import type { ContainerStatus, Pod, PodPhase } from '../../api/index.js';
import { container, makePod, sidecar } from './fixtures.js';
import { getPhase } from './phase.js';

const running = (name: string, started = true): ContainerStatus => ({ name, ready: started, restartCount: 0, image: '', imageID: '', started, state: { running: { startedAt: null } } });
const exited = (name: string, exitCode = 0): ContainerStatus => ({ name, ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode } } });
const waiting = (name: string, lastExit?: number): ContainerStatus => ({
  name,
  ready: false,
  restartCount: lastExit === undefined ? 0 : 1,
  image: '',
  imageID: '',
  state: { waiting: { reason: 'CrashLoopBackOff' } },
  ...(lastExit === undefined ? {} : { lastState: { terminated: { exitCode: lastExit } } }),
});

const two = (restartPolicy: 'Always' | 'OnFailure' | 'Never'): Pod => makePod({ restartPolicy, containers: [container('a'), container('b')] });
const withInit = (restartPolicy: 'Always' | 'OnFailure' | 'Never'): Pod => makePod({ restartPolicy, initContainers: [container('init')], containers: [container('a')] });
const withSidecar = makePod({ initContainers: [sidecar('s')], containers: [container('a')] });
const staticPod = (p: Pod): Pod => ({ ...p, metadata: { ...p.metadata, annotations: { 'kubernetes.io/config.source': 'file' } } });

describe('getPhase (upstream TestPodPhaseWith*)', () => {
  const cases: Array<[string, Pod, ContainerStatus[], PodPhase, boolean?]> = [
    ['all running -> Running', two('Always'), [running('a'), running('b')], 'Running'],
    ['one still waiting for its first start -> Pending', two('Always'), [running('a'), waiting('b')], 'Pending'],
    ['a container without status -> Pending', two('Always'), [running('a')], 'Pending'],
    ['Always, all stopped -> Running (restarting)', two('Always'), [exited('a'), exited('b', 1)], 'Running'],
    ['Always, crash looping counts as stopped -> Running', two('Always'), [running('a'), waiting('b', 1)], 'Running'],
    ['Never, all succeeded -> Succeeded', two('Never'), [exited('a'), exited('b')], 'Succeeded'],
    ['Never, one failed -> Failed', two('Never'), [exited('a'), exited('b', 2)], 'Failed'],
    ['Never, one still running -> Running', two('Never'), [exited('a', 1), running('b')], 'Running'],
    ['OnFailure, all succeeded -> Succeeded', two('OnFailure'), [exited('a'), exited('b')], 'Succeeded'],
    ['OnFailure, one failed -> Running (restarting)', two('OnFailure'), [exited('a'), exited('b', 1)], 'Running'],
    ['init container running -> Pending', withInit('Always'), [running('init'), waiting('a')], 'Pending'],
    ['init container failed under Never -> Failed', withInit('Never'), [exited('init', 1), waiting('a')], 'Failed'],
    ['init container crash looping under Always -> Pending', withInit('Always'), [waiting('init', 1), waiting('a')], 'Pending'],
    ['init container failed under OnFailure, restarting -> Pending', withInit('OnFailure'), [exited('init', 1), waiting('a')], 'Pending'],
    ['init done, app running -> Running', withInit('Always'), [exited('init'), running('a')], 'Running'],
    ['sidecar running but not started, app waiting -> Pending', withSidecar, [running('s', false), waiting('a')], 'Pending'],
    ['sidecar and app running -> Running', withSidecar, [running('s'), running('a')], 'Running'],
    ['a restarting sidecar does not send a running pod back to Pending', withSidecar, [waiting('s', 1), running('a')], 'Running'],
    ['Never, app succeeded, sidecar still running -> Running', makePod({ restartPolicy: 'Never', initContainers: [sidecar('s')], containers: [container('a')] }), [running('s'), exited('a')], 'Running'],
    ['Never, app succeeded, sidecar stopped -> Succeeded', makePod({ restartPolicy: 'Never', initContainers: [sidecar('s')], containers: [container('a')] }), [exited('s', 137), exited('a')], 'Succeeded'],
    ['a terminal pod with all stopped fails on any failure, whatever the policy', two('Always'), [exited('a'), exited('b', 1)], 'Failed', true],
    ['a terminal pod with all succeeded succeeds, whatever the policy', two('Always'), [exited('a'), exited('b')], 'Succeeded', true],
    ['a terminal static pod is not given a terminal phase by upstream yet', staticPod(two('Always')), [exited('a'), exited('b')], 'Running', true],
  ];
  it.each(cases)('%s', (_why, pod, statuses, want, terminal = false) => {
    expect(getPhase(pod, statuses, terminal)).toBe(want);
  });
});
