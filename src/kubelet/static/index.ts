/**
 * Static pods: a directory of manifests as a kubelet pod source (`tskube kubelet
 * --pod-manifest-path DIR`), with upstream's identity rules (name `-<node>`, md5 UID, config
 * annotations) and Kubernetes-exact validation errors.
 */
export {
  CONFIG_SEEN_ANNOTATION,
  createStaticPodSource,
  formatRFC3339Nano,
  type StaticPodSource,
  type StaticPodSourceOptions,
} from './source.js';
export {
  FILE_SOURCE,
  parseManifest,
  staticPodUID,
  type ManifestContext,
  type ManifestError,
  type ManifestResult,
  type StaticPodEntry,
} from './manifest.js';
