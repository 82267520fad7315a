import type { Container, Pod } from '../api/index.js';
import { CriError, type CriRuntime, type PodSandboxConfig } from '../cri/index.js';
import type { Clock } from '../lib/clock.js';
import { BackOff, imageBackOffKey, imagePullBackOffMessage } from './decide/index.js';
import type { EventRecorder } from './events.js';

export type EnsureImageResult =
  | { ok: true; imageRef: string; imageUser: { uid?: number; username?: string } }
  | {
      ok: false;
      reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName';
      message: string;
      /** When a pull may be tried again (the back-off); absent when only a spec change helps. */
      retryAfterMs?: number;
    };

export interface ImageManager {
  /**
   * Makes the container's image present per its pull policy (upstream `EnsureImageExists`): never
   * throws; a failure comes back as the waiting reason and message the status shows.
   */
  ensureImage(pod: Pod, container: Container, sandboxConfig: PodSandboxConfig, signal?: AbortSignal): Promise<EnsureImageResult>;
}

/** Go's `status.Error(...).Error()` text, as the kubelet shows runtime errors in statuses. */
export function grpcErrorText(err: unknown): string {
  if (err instanceof CriError) return `rpc error: code = ${err.code} desc = ${err.details}`;
  return err instanceof Error ? err.message : String(err);
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}

export function createImageManager(deps: {
  images: CriRuntime['images'];
  recorder: EventRecorder;
  clock: Clock;
  backOff?: BackOff;
}): ImageManager {
  const backOff = deps.backOff ?? new BackOff();
  // Keyed like the back-off; forgotten on success. Bounded by the pods and images on the node.
  const lastError = new Map<string, string>();
  const lastFailure = new Map<string, number>();
  const { images, recorder, clock } = deps;

  return {
    async ensureImage(pod, container, sandboxConfig, signal) {
      const image = container.image ?? '';
      if (!image) return { ok: false, reason: 'InvalidImageName', message: 'Failed to apply default image tag "": couldn\'t parse image name "": invalid reference format' };
      const policy = container.imagePullPolicy ?? (/:[^/]+$|@sha256:/.test(image) && !image.endsWith(':latest') ? 'IfNotPresent' : 'Always');
      const present = policy === 'Always' ? null : await images.imageStatus({ image }, { signal }).catch(() => null);
      if (present) {
        recorder.event(pod, 'Normal', 'Pulled', `Container image ${JSON.stringify(image)} already present on machine`, container.name);
        return { ok: true, imageRef: present.id, imageUser: userOf(present) };
      }
      if (policy === 'Never') {
        const message = `Container image ${JSON.stringify(image)} is not present with pull policy of Never`;
        recorder.event(pod, 'Warning', 'ErrImageNeverPull', message, container.name);
        return { ok: false, reason: 'ErrImageNeverPull', message };
      }
      const key = imageBackOffKey(pod, image);
      if (backOff.isInBackOff(key, clock.now())) {
        const message = imagePullBackOffMessage(image, lastError.get(key));
        recorder.event(pod, 'Normal', 'BackOff', `Back-off pulling image ${JSON.stringify(image)}`, container.name);
        const retryAfterMs = Math.max(1, (lastFailure.get(key) ?? 0) + backOff.get(key) - clock.now());
        return { ok: false, reason: 'ImagePullBackOff', message, retryAfterMs };
      }
      recorder.event(pod, 'Normal', 'Pulling', `Pulling image ${JSON.stringify(image)}`, container.name);
      const started = clock.now();
      try {
        await images.pullImage({ image }, { signal, sandboxConfig });
      } catch (err) {
        const message = grpcErrorText(err);
        const retryAfterMs = backOff.next(key, clock.now());
        lastError.set(key, message);
        lastFailure.set(key, clock.now());
        recorder.event(pod, 'Warning', 'Failed', `Failed to pull image ${JSON.stringify(image)}: ${message}`, container.name);
        recorder.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull', container.name);
        return { ok: false, reason: 'ErrImagePull', message, retryAfterMs };
      }
      backOff.reset(key);
      lastError.delete(key);
      lastFailure.delete(key);
      const status = await images.imageStatus({ image }, { signal });
      if (!status) return { ok: false, reason: 'ErrImagePull', message: `image ${JSON.stringify(image)} is not present after a successful pull` };
      const took = formatSeconds(clock.now() - started);
      recorder.event(pod, 'Normal', 'Pulled', `Successfully pulled image ${JSON.stringify(image)} in ${took} (${took} including waiting). Image size: ${status.size} bytes.`, container.name);
      return { ok: true, imageRef: status.id, imageUser: userOf(status) };
    },
  };
}

function userOf(img: { uid: number | null; username: string }): { uid?: number; username?: string } {
  return img.uid != null ? { uid: img.uid } : img.username ? { username: img.username } : {};
}
