/** Talking to the Kubernetes API: a REST client and informers. Both sides of tskube use it. */
export { createKubeClient, isConflictError, isGoneError, isNotFoundError, KubeApiError, type KubeClient, type KubeClientOptions, type ListMeta, type Query, type WatchEvent } from './client.js';
export { loadKubeconfig } from './kubeconfig.js';
export { createInformer, objectKey, type Informer, type InformerEvent, type ObjectWithMeta } from './informer.js';
