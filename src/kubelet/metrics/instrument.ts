import type { CriRuntime } from '../../cri/index.js';

/** Upstream's `operation_type` of each CRI method (pkg/kubelet/kuberuntime/instrumented_services.go). */
export const CRI_OPERATION_TYPES: Readonly<Record<keyof CriRuntime, Readonly<Record<string, string>>>> = {
  sandboxes: {
    runPodSandbox: 'run_podsandbox',
    stopPodSandbox: 'stop_podsandbox',
    removePodSandbox: 'remove_podsandbox',
    podSandboxStatus: 'podsandbox_status',
    listPodSandbox: 'list_podsandbox',
  },
  containers: {
    createContainer: 'create_container',
    startContainer: 'start_container',
    stopContainer: 'stop_container',
    removeContainer: 'remove_container',
    listContainers: 'list_containers',
    containerStatus: 'container_status',
    updateContainerResources: 'update_container',
    reopenContainerLog: 'reopen_container_log',
    execSync: 'exec_sync',
  },
  streaming: { exec: 'exec', attach: 'attach', portForward: 'port_forward' },
  stats: {
    containerStats: 'container_stats',
    listContainerStats: 'list_container_stats',
    podSandboxStats: 'podsandbox_stats',
    listPodSandboxStats: 'list_podsandbox_stats',
  },
  runtime: { version: 'version', status: 'status', updateRuntimeConfig: 'update_runtime_config' },
  images: {
    listImages: 'list_images',
    imageStatus: 'image_status',
    pullImage: 'pull_image',
    removeImage: 'remove_image',
    imageFsInfo: 'image_fs_info',
  },
};

/** Told about every finished CRI call; must not throw. */
export type CriObserver = (operationType: string, seconds: number, error: unknown) => void;

/**
 * The runtime with every unary call timed and reported to `observe`, as upstream's instrumented
 * runtime service. Methods without an operation type (the event stream) pass through untouched.
 */
export function instrumentRuntime(runtime: CriRuntime, observe: CriObserver, now: () => number = () => performance.now()): CriRuntime {
  const wrap = <S extends object>(service: S, ops: Readonly<Record<string, string>>): S => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(service) as (keyof S & string)[]) {
      const fn = service[key];
      const op = ops[key];
      if (typeof fn !== 'function' || op === undefined) {
        out[key] = typeof fn === 'function' ? (fn as (...a: unknown[]) => unknown).bind(service) : fn;
        continue;
      }
      out[key] = async (...args: unknown[]): Promise<unknown> => {
        const started = now();
        try {
          const res: unknown = await (fn as (...a: unknown[]) => Promise<unknown>).apply(service, args);
          observe(op, (now() - started) / 1000, undefined);
          return res;
        } catch (err) {
          observe(op, (now() - started) / 1000, err);
          throw err;
        }
      };
    }
    return out as S;
  };
  return {
    sandboxes: wrap(runtime.sandboxes, CRI_OPERATION_TYPES.sandboxes),
    containers: wrap(runtime.containers, CRI_OPERATION_TYPES.containers),
    streaming: wrap(runtime.streaming, CRI_OPERATION_TYPES.streaming),
    stats: wrap(runtime.stats, CRI_OPERATION_TYPES.stats),
    runtime: wrap(runtime.runtime, CRI_OPERATION_TYPES.runtime),
    images: wrap(runtime.images, CRI_OPERATION_TYPES.images),
  };
}
