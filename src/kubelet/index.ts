/**
 * The kubelet: `createKubelet(deps, config)` composes the pod workers, the executor, housekeeping,
 * the PLEG and the managers; `startKubeletServer` serves its local API.
 */
export { createKubelet, type Kubelet, type StreamRequest, type KubeletCgroups, type KubeletConfig, type KubeletDeps, type NetworkSlice, type PlegSlice, type PodSource, type PodWithStatus } from './kubelet.js';
export { startKubeletServer, type KubeletServer, type KubeletServerOptions } from './server.js';
export { ensureSelfSignedServingCert, type ServingCert } from './serving-cert.js';
export { createLoggingRecorder, type EventRecorder, type EventType, type RecordedEvent } from './events.js';
export { parseResolvConf, readHostResolvConf, podDnsConfig, type DnsSettings } from './dns.js';
