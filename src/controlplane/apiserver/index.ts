/**
 * The Kubernetes API server of tskube: JSON over HTTPS (plain HTTP on loopback for tests) on an
 * etcd-shaped storage Backend, driven by the real kubectl. See apiserver.ts for the lifecycle,
 * registry/ for the served resources, pki.ts for the cluster's certificates.
 */
export { startApiServer, runApiServer, BOOTSTRAP_NAMESPACES, type ApiServer, type ApiServerOptions, type TlsMaterial } from './apiserver.js';
export {
  ANONYMOUS,
  MASTERS_GROUP,
  defaultAuthorizer,
  insecureLoopbackAuthenticator,
  x509Authenticator,
  type Authenticator,
  type AuthnResult,
  type Authorizer,
  type AuthzAttributes,
  type UserInfo,
} from './auth/index.js';
export { ApiError, isApiError } from './errors.js';
export { VERSION_INFO } from './handlers/nonresource.js';
export type { WatchSettings } from './handlers/context.js';
export { SLICE_RESOURCES } from './registry/core.js';
export { ALL_RESOURCES } from './registry/all.js';
export type { ResourceDef, Strategy, StatusStrategy, TablePrinter, Verb } from './registry/index.js';
export { ensurePki, kubeconfigYaml, type Pki, type PkiOptions } from './pki.js';
