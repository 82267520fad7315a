/**
 * Pod validation on create, as upstream `ValidatePodCreate` (v1.32): metadata, pod-specific
 * annotations and the spec, in upstream's order so messages list the same way. Expects a defaulted
 * pod (`setPodDefaults`), as upstream validates after defaulting: fields defaulting fills (restart,
 * DNS, pull and termination-message policies, grace period, probe thresholds) are reported
 * `Required value` when missing. Not checked yet: affinity, topology spread constraints, Windows
 * options, pod-level resources (alpha), managed fields.
 */
import type { Pod, PodSpec } from '../pod.js';
import { validateContainers, validateInitContainers, type ContainerContext } from './containers.js';
import { fieldPath, forbidden, invalid, notSupported, required, type ErrorList, type FieldPath } from './field.js';
import { validateObjectMeta } from './meta.js';
import { isDNS1123Label, isValidIP, nameIsDNSSubdomain } from './names.js';
import { validateAnnotationsMatchFields, validatePodAnnotations } from './pod-annotations.js';
import { validateContainerResources } from './resources.js';
import { validatePodSecurityContext } from './security.js';
import { validateGates, validateNodeSelector, validatePriority, validateTolerations } from './scheduling.js';
import { validateVolumes } from './volumes.js';

export interface PodValidationOptions {
  /**
   * Env var names by the relaxed rule (any printable ASCII but `=`), as the 1.32 API server does.
   * Default true; the kubelet validates static pods with upstream's zero options, i.e. false.
   */
  relaxedEnvVarNames?: boolean;
  /**
   * The spec is a Pod's, not a template's: with `hostNetwork`, `hostPort` must equal
   * `containerPort` even when 0. Default true; false for static pods, as the kubelet.
   */
  resourceIsPod?: boolean;
  /** Whether privileged containers are allowed. Default true. */
  allowPrivileged?: boolean;
}

const MAX_INT32 = 2147483647;
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

function validateDNSConfig(spec: PodSpec, path: FieldPath): ErrorList {
  const cfg = spec.dnsConfig;
  if (spec.dnsPolicy === 'None') {
    if (!cfg) return [required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if ((cfg.nameservers ?? []).length === 0) return [required(path.child('nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!cfg) return [];
  const errs: ErrorList = [];
  const ns = cfg.nameservers ?? [];
  if (ns.length > 3) errs.push(invalid(path.child('nameservers'), ns, 'must not have more than 3 nameservers'));
  ns.forEach((ip, i) => errs.push(...isValidIP(ip).map((m) => invalid(path.child('nameservers').index(i), ip, m))));
  const searches = cfg.searches ?? [];
  if (searches.length > 32) errs.push(invalid(path.child('searches'), searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(invalid(path.child('searches'), searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => {
    const trimmed = s.endsWith('.') ? s.slice(0, -1) : s;
    errs.push(...nameIsDNSSubdomain(trimmed, false).map((m) => invalid(path.child('searches').index(i), trimmed, m)));
  });
  (cfg.options ?? []).forEach((o, i) => {
    if (!o.name) errs.push(required(path.child('options').index(i), 'must not be empty'));
  });
  return errs;
}

function validateHostNetworkDeps(spec: PodSpec, path: FieldPath, resourceIsPod: boolean): ErrorList {
  if (spec.hostNetwork !== true) return [];
  const errs: ErrorList = [];
  spec.containers?.forEach((c, i) => {
    c.ports?.forEach((p, j) => {
      const hp = p.hostPort ?? 0;
      if ((resourceIsPod || hp !== 0) && hp !== p.containerPort) {
        errs.push(invalid(path.child('containers').index(i).child('ports').index(j).child('hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errs;
}

function validateHostUsers(spec: PodSpec, path: FieldPath): ErrorList {
  if (spec.hostUsers !== false) return [];
  const errs: ErrorList = [];
  const detail = 'when `pod.Spec.HostUsers` is false';
  if (spec.hostNetwork) errs.push(forbidden(path.child('hostNetwork'), detail));
  if (spec.hostPID) errs.push(forbidden(path.child('HostPID'), detail));
  if (spec.hostIPC) errs.push(forbidden(path.child('HostIPC'), detail));
  return errs;
}

function validateOS(spec: PodSpec, path: FieldPath): ErrorList {
  if (!spec.os) return [];
  const name: string = spec.os.name ?? '';
  if (name === '') return [required(path.child('os', 'name'), 'cannot be empty')];
  if (name !== 'linux' && name !== 'windows') return [notSupported(path.child('os'), name, ['linux', 'windows'])];
  if (name !== 'linux') return [];
  const errs: ErrorList = [];
  const linuxOnly = 'windows options cannot be set for a linux pod';
  if (spec.securityContext?.windowsOptions) errs.push(forbidden(path.child('securityContext', 'windowsOptions'), linuxOnly));
  const visit = (list: PodSpec['containers'] | undefined, key: string): void =>
    list?.forEach((c, i) => {
      if (c.securityContext?.windowsOptions) errs.push(forbidden(path.child(key).index(i).child('securityContext', 'windowsOptions'), linuxOnly));
    });
  visit(spec.initContainers, 'initContainers');
  visit(spec.containers, 'containers');
  return errs;
}

/** Upstream `ValidatePodSpec`, in its order. */
export function validatePodSpec(spec: PodSpec, pod: Pod, path: FieldPath, opts: Required<PodValidationOptions>): ErrorList {
  const errs: ErrorList = [];
  const grace = spec.terminationGracePeriodSeconds;
  if (grace === undefined || grace === null) errs.push(required(path.child('terminationGracePeriodSeconds')));
  const vols = validateVolumes(spec.volumes, pod.metadata, path.child('volumes'));
  errs.push(...vols.errs);
  const claims = new Set((spec.resourceClaims ?? []).map((c) => c.name).filter((n) => n));
  const ctx: ContainerContext = {
    volumes: vols.byName,
    podClaimNames: claims,
    gracePeriod: grace ?? undefined,
    podRestartPolicy: spec.restartPolicy,
    relaxedEnvVarNames: opts.relaxedEnvVarNames,
    allowPrivileged: opts.allowPrivileged,
    hostUsers: spec.hostUsers !== false,
  };
  errs.push(...validateContainers(spec.containers, path.child('containers'), ctx));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, path.child('initContainers'), ctx));
  errs.push(...validateHostNetworkDeps(spec, path, opts.resourceIsPod));
  const restart: string = spec.restartPolicy ?? '';
  if (restart === '') errs.push(required(path.child('restartPolicy')));
  else if (!RESTART_POLICIES.includes(restart)) errs.push(notSupported(path.child('restartPolicy'), restart, RESTART_POLICIES));
  const dns: string = spec.dnsPolicy ?? '';
  if (dns === '') errs.push(required(path.child('dnsPolicy')));
  else if (!DNS_POLICIES.includes(dns)) errs.push(notSupported(path.child('dnsPolicy'), dns, DNS_POLICIES));
  errs.push(...validateNodeSelector(spec, path));
  errs.push(...validatePodSecurityContext(spec, path));
  (spec.imagePullSecrets ?? []).forEach((s, i) => {
    if (Object.keys(s).some((k) => k !== 'name')) errs.push(invalid(path.child('imagePullSecrets').index(i), s, 'only name may be set'));
  });
  errs.push(...validateDNSConfig(spec, path.child('dnsConfig')));
  errs.push(...validateGates(spec, path));
  errs.push(...validateHostUsers(spec, path));
  const sa = spec.serviceAccountName;
  if (sa) errs.push(...nameIsDNSSubdomain(sa, false).map((m) => invalid(path.child('serviceAccountName'), sa, m)));
  const node = spec.nodeName;
  if (node) errs.push(...nameIsDNSSubdomain(node, false).map((m) => invalid(path.child('nodeName'), node, m)));
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null && (ads < 1 || ads > MAX_INT32)) {
    errs.push(invalid(path.child('activeDeadlineSeconds'), ads, `must be between 1 and ${MAX_INT32}, inclusive`));
  }
  for (const key of ['hostname', 'subdomain'] as const) {
    const v = spec[key];
    if (v) errs.push(...isDNS1123Label(v).map((m) => invalid(path.child(key), v, m)));
  }
  errs.push(...validateTolerations(spec.tolerations, path.child('tolerations')));
  (spec.hostAliases ?? []).forEach((a, i) => {
    const p = path.child('hostAliases').index(i);
    errs.push(...isValidIP(a.ip ?? '').map((m) => invalid(p.child('ip'), a.ip ?? '', m)));
    (a.hostnames ?? []).forEach((h, j) => errs.push(...nameIsDNSSubdomain(h, false).map((m) => invalid(p.child('hostnames').index(j), h, m))));
  });
  errs.push(...validatePriority(spec, path));
  if (spec.overhead) errs.push(...validateContainerResources({ limits: spec.overhead }, new Set(), path.child('overhead')));
  errs.push(...validateOS(spec, path));
  return errs;
}

/**
 * Everything upstream `ValidatePodCreate` checks that tskube covers; the list is in upstream's
 * order. Pure.
 */
export function validatePod(pod: Pod, options: PodValidationOptions = {}): ErrorList {
  const opts: Required<PodValidationOptions> = {
    relaxedEnvVarNames: options.relaxedEnvVarNames ?? true,
    resourceIsPod: options.resourceIsPod ?? true,
    allowPrivileged: options.allowPrivileged ?? true,
  };
  const meta = fieldPath('metadata');
  const spec = fieldPath('spec');
  const podSpec: PodSpec = pod.spec ?? { containers: [] };
  const errs = validateObjectMeta(pod.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain, path: meta });
  errs.push(...validatePodAnnotations(pod, meta.child('annotations')));
  errs.push(...validatePodSpec(podSpec, pod, spec, opts));
  if (!podSpec.serviceAccountName) {
    podSpec.volumes?.forEach((v, i) => {
      v.projected?.sources?.forEach((s, j) => {
        if (!s.serviceAccountToken) return;
        const p = spec.child('volumes').index(i).child('projected', 'sources').index(j).child('serviceAccountToken');
        errs.push(forbidden(p, 'must not be specified when serviceAccountName is not set'));
      });
    });
  }
  for (const key of ['containers', 'initContainers'] as const) {
    podSpec[key]?.forEach((c, i) => {
      const image = c.image ?? '';
      if (image !== image.trim()) errs.push(invalid(spec.child(key).index(i).child('image'), image, 'must not have leading or trailing whitespace'));
    });
  }
  if ((podSpec.ephemeralContainers ?? []).length > 0) errs.push(forbidden(spec.child('ephemeralContainers'), 'cannot be set on create'));
  if (podSpec.nodeName && (podSpec.schedulingGates ?? []).length > 0) {
    errs.push(forbidden(spec.child('nodeName'), 'cannot be set until all schedulingGates have been cleared'));
  }
  errs.push(...validateAnnotationsMatchFields(pod, spec));
  return errs;
}
