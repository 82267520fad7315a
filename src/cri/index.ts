/**
 * The only door to the container runtime: a typed CRI v1 client split like the CRI services, its
 * errors, and a stateful fake for unit tests. Knows nothing of pods.
 */
export { createCriClient, type CriClient, type CriClientOptions } from './client.js';
export {
  CriError,
  isAlreadyExists,
  isCancelled,
  isDeadlineExceeded,
  isNotFound,
  isUnavailable,
  isUnimplemented,
  type CriErrorCode,
} from './errors.js';
export type * from './types.js';
export {
  createFakeRuntime,
  type FakeControls,
  type FakeMethod,
  type FakeRuntime,
  type FakeRuntimeOptions,
} from './fake.js';
