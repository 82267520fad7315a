/**
 * The kubelet's side of the API server: the pod source, the status manager (statuses and the end
 * of graceful deletion), node registration with status and lease heartbeats.
 */
export { createApiPodSource } from './pod-source.js';
export { createStatusManager, type StatusSink } from './status-manager.js';
export { createNodeReporter, KUBELET_VERSION, nodeConditions, readNodeFacts, type NodeFacts } from './node-status.js';
export { createApiEventRecorder } from './event-recorder.js';
export { createMirrorPods, mirrorPodOf } from './mirror-pods.js';
