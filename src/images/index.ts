/**
 * Test images built from packages on this machine (no internet): a busybox image and a pause image,
 * reproducible, cached by content, plus a local registry to serve them. Used by integration tests,
 * benchmarks, `hack/` and `tskube up` (its fallback sandbox image).
 */
export { buildTestImages, type BuildTestImagesOptions, type BuiltImage, type TestImageName, type TestImages } from './build.js';
export { BUILDER_VERSION, DEFAULT_IMAGE_CACHE_DIR, imageCacheKey, resolveCacheDir } from './cache.js';
export { PAUSE_C, PAUSE_VERSION } from './pause-source.js';
export { exportDockerArchive, imageRef, pushImage } from './skopeo.js';
export { freePort, startRegistry, type RunningRegistry, type StartRegistryOptions } from './registry.js';
