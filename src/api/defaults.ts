/**
 * API defaulting of a Pod, as the API server applies it (pkg/apis/core/v1/defaults.go) and as the
 * kubelet applies it to static pods. The deciders assume defaulted pods. Pure: returns a copy.
 */
import type { Container, ContainerPort } from './container.js';
import type { Pod, PodSpec } from './pod.js';
import type { Probe } from './probe.js';
import type { Volume } from './volume.js';

export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** 0644, the default mode of files projected from secrets, config maps and the downward API. */
export const DEFAULT_VOLUME_FILE_MODE = 0o644;

/** The tag of an image reference, `latest` when it has neither tag nor digest (upstream ParseImageName). */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

function defaultProbe(p: Probe | undefined): Probe | undefined {
  if (!p) return p;
  const probe: Probe = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, ...p };
  if (probe.httpGet) probe.httpGet = { path: '/', scheme: 'HTTP', ...probe.httpGet };
  return probe;
}

function defaultPorts(ports: ContainerPort[] | undefined, hostNetwork: boolean): ContainerPort[] | undefined {
  return ports?.map((p) => ({
    ...p,
    protocol: p.protocol ?? 'TCP',
    ...(hostNetwork && !p.hostPort ? { hostPort: p.containerPort } : {}),
  }));
}

function defaultContainer(c: Container, hostNetwork: boolean): Container {
  const out: Container = {
    ...c,
    terminationMessagePath: c.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH,
    terminationMessagePolicy: c.terminationMessagePolicy ?? 'File',
    imagePullPolicy: c.imagePullPolicy ?? (imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent'),
  };
  const ports = defaultPorts(c.ports, hostNetwork);
  if (ports) out.ports = ports;
  const limits = c.resources?.limits;
  if (limits) {
    // Requests default to limits, resource by resource.
    out.resources = { ...c.resources, requests: { ...limits, ...c.resources?.requests } };
  }
  if (c.env) {
    out.env = c.env.map((e) =>
      e.valueFrom?.fieldRef ? { ...e, valueFrom: { ...e.valueFrom, fieldRef: { apiVersion: 'v1', ...e.valueFrom.fieldRef } } } : e,
    );
  }
  for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const probe = defaultProbe(c[key]);
    if (probe) out[key] = probe;
  }
  return out;
}

function defaultVolume(v: Volume): Volume {
  const { name, ...sources } = v;
  if (Object.values(sources).every((s) => s === undefined)) return { name, emptyDir: {} };
  const out: Volume = { ...v };
  if (v.secret) out.secret = { defaultMode: DEFAULT_VOLUME_FILE_MODE, ...v.secret };
  if (v.configMap) out.configMap = { defaultMode: DEFAULT_VOLUME_FILE_MODE, ...v.configMap };
  if (v.downwardAPI) out.downwardAPI = { defaultMode: DEFAULT_VOLUME_FILE_MODE, ...v.downwardAPI };
  if (v.projected) out.projected = { defaultMode: DEFAULT_VOLUME_FILE_MODE, ...v.projected };
  if (v.hostPath) out.hostPath = { type: '', ...v.hostPath };
  return out;
}

/** Returns a defaulted copy of `pod`; fields already set are kept. */
export function setPodDefaults(pod: Pod): Pod {
  const spec = pod.spec;
  const hostNetwork = spec.hostNetwork === true;
  const out: PodSpec = {
    ...spec,
    restartPolicy: spec.restartPolicy ?? 'Always',
    dnsPolicy: spec.dnsPolicy ?? 'ClusterFirst',
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
    securityContext: spec.securityContext ?? {},
    schedulerName: spec.schedulerName ?? DEFAULT_SCHEDULER_NAME,
    enableServiceLinks: spec.enableServiceLinks ?? true,
    containers: spec.containers.map((c) => defaultContainer(c, hostNetwork)),
  };
  if (spec.initContainers) out.initContainers = spec.initContainers.map((c) => defaultContainer(c, hostNetwork));
  if (spec.volumes) out.volumes = spec.volumes.map(defaultVolume);
  if (spec.serviceAccount !== undefined && spec.serviceAccountName === undefined) out.serviceAccountName = spec.serviceAccount;
  return { ...pod, spec: out };
}
