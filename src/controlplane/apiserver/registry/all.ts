/** Everything tskube serves: the first slice's table, then the further core kinds and named groups. */
import { SLICE_RESOURCES } from './core.js';
import { CORE_EXTRA_RESOURCES, GROUP_RESOURCES } from './groups.js';
import type { ResourceDef } from './types.js';

export const ALL_RESOURCES: readonly ResourceDef[] = [...SLICE_RESOURCES, ...CORE_EXTRA_RESOURCES, ...GROUP_RESOURCES];
