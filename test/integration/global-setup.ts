import type { TestProject } from 'vitest/node';
import { startTestRegistry } from './helpers/registry.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the run's registry, serving tskube/busybox:{1.35,latest} and tskube/pause:{3.10,latest}. */
    registry: string;
  }
}

/**
 * Once per integration run: one registry with the test images for every test file, handed to the
 * tests as `inject('registry')` and, for child processes, `TSKUBE_TEST_REGISTRY`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const registry = await startTestRegistry();
  project.provide('registry', registry.address);
  process.env.TSKUBE_TEST_REGISTRY = registry.address;
  return registry.stop;
}
