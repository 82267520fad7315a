/**
 * A tskube-owned containerd: its config (containerd 1.6, format version 2), registry hosts, a
 * supervised process with CRI readiness, and a cleanup that removes everything it left behind.
 */
export { DEFAULT_CNI_BIN_DIR, DEFAULT_SANDBOX_IMAGE, DISABLED_PLUGINS, renderContainerdConfig, type ContainerdConfigOptions } from './config.js';
export { containerdLayout, type ContainerdLayout } from './layout.js';
export { writeRegistryHost, type RegistryHostOptions } from './registry-hosts.js';
export { startContainerd, type ContainerdProcess, type StartContainerdOptions } from './process.js';
export { cleanupContainerd, type CleanupContainerdOptions } from './cleanup.js';
export { importImageArchive } from './import.js';
export { superviseContainerd, restartDelay, type SuperviseOptions } from './supervise.js';
