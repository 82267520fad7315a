/**
 * Pod annotations with meaning, as upstream `ValidatePodSpecificAnnotations` (mirror pods,
 * deletion cost, legacy seccomp and AppArmor annotations) and the create-time checks that such
 * annotations agree with the security context fields (v1.32).
 */
import type { Container } from '../container.js';
import type { Pod } from '../pod.js';
import type { AppArmorProfile, SeccompProfile } from '../security.js';
import { forbidden, invalid, type ErrorList, type FieldPath } from './field.js';
import { goQuote } from './field.js';
import { validateLocalDescendingPath } from './volumes.js';

const MIRROR = 'kubernetes.io/config.mirror';
const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';
const SECCOMP_POD = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER = 'container.seccomp.security.alpha.kubernetes.io/';
const APPARMOR_CONTAINER = 'container.apparmor.security.beta.kubernetes.io/';

/** Upstream `GetDeletionCostFromPodAnnotations`: a base-10 int32 without `+` or leading zeros. */
function validDeletionCost(value: string): boolean {
  const first = value[0];
  const firstOk = first === '-' || value === '0' || (first !== undefined && first >= '1' && first <= '9');
  if (!firstOk || !/^-?\d+$/.test(value)) return false;
  const n = Number(value);
  return n >= -2147483648 && n <= 2147483647;
}

function validateSeccompAnnotation(p: string, path: FieldPath): ErrorList {
  if (p === 'runtime/default' || p === 'docker/default' || p === 'unconfined') return [];
  if (p.startsWith('localhost/')) return validateLocalDescendingPath(p.slice('localhost/'.length), path);
  return [invalid(path, p, 'must be a valid seccomp profile')];
}

function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...((pod.spec?.ephemeralContainers ?? []) as Container[])];
}

/** Upstream `ValidatePodSpecificAnnotations`; `path` is `metadata.annotations`. */
export function validatePodAnnotations(pod: Pod, path: FieldPath): ErrorList {
  const annotations = pod.metadata?.annotations ?? {};
  const errs: ErrorList = [];
  const mirror = annotations[MIRROR];
  if (mirror !== undefined && !pod.spec?.nodeName) {
    errs.push(invalid(path.key(MIRROR), mirror, 'must set spec.nodeName if mirror pod annotation is set'));
  }
  const cost = annotations[DELETION_COST];
  if (cost !== undefined && !validDeletionCost(cost)) errs.push(invalid(path.key(DELETION_COST), cost, 'must be a 32bit integer'));
  const podSeccomp = annotations[SECCOMP_POD];
  if (podSeccomp !== undefined) errs.push(...validateSeccompAnnotation(podSeccomp, path.child(SECCOMP_POD)));
  for (const [k, v] of Object.entries(annotations)) {
    if (k.startsWith(SECCOMP_CONTAINER)) errs.push(...validateSeccompAnnotation(v, path.child(k)));
  }
  const names = new Set(allContainers(pod).map((c) => c.name));
  for (const [k, v] of Object.entries(annotations)) {
    if (!k.startsWith(APPARMOR_CONTAINER)) continue;
    const container = k.slice(APPARMOR_CONTAINER.length);
    if (!names.has(container)) errs.push(invalid(path.key(k), container, 'container not found'));
    if (v !== '' && v !== 'runtime/default' && v !== 'unconfined' && !v.startsWith('localhost/')) {
      errs.push(invalid(path.key(k), v, `invalid AppArmor profile name: ${goQuote(v)}`));
    }
  }
  return errs;
}

function seccompMismatch(annotation: string, field: SeccompProfile, path: FieldPath): ErrorList {
  const typeErr = [forbidden(path.child('type'), 'seccomp type in annotation and field must match')];
  switch (field.type) {
    case 'Unconfined':
      return annotation === 'unconfined' ? [] : typeErr;
    case 'RuntimeDefault':
      return annotation === 'runtime/default' || annotation === 'docker/default' ? [] : typeErr;
    case 'Localhost':
      if (!annotation.startsWith('localhost/')) return typeErr;
      if (field.localhostProfile !== annotation.slice('localhost/'.length)) {
        return [forbidden(path.child('localhostProfile'), 'seccomp profile in annotation and field must match')];
      }
      return [];
    default:
      return [];
  }
}

function appArmorMismatch(annotation: string, profile: AppArmorProfile, path: FieldPath): ErrorList {
  const typeErr = [forbidden(path.child('type'), 'apparmor type in annotation and field must match')];
  switch (profile.type) {
    case 'Unconfined':
      return annotation === 'unconfined' ? [] : typeErr;
    case 'RuntimeDefault':
      return annotation === 'runtime/default' ? [] : typeErr;
    case 'Localhost':
      if (!annotation.startsWith('localhost/')) return typeErr;
      if (profile.localhostProfile !== annotation.slice('localhost/'.length)) {
        return [forbidden(path.child('localhostProfile'), 'apparmor profile in annotation and field must match')];
      }
      return [];
    default:
      return [];
  }
}

/** Create-time: legacy seccomp/AppArmor annotations must agree with the fields; `path` is `spec`. */
export function validateAnnotationsMatchFields(pod: Pod, path: FieldPath): ErrorList {
  const annotations = pod.metadata?.annotations ?? {};
  const spec = pod.spec;
  const errs: ErrorList = [];
  const podSeccomp = spec?.securityContext?.seccompProfile;
  const podSeccompAnnotation = annotations[SECCOMP_POD];
  if (podSeccomp && podSeccompAnnotation !== undefined) {
    errs.push(...seccompMismatch(podSeccompAnnotation, podSeccomp, path.child('securityContext', 'seccompProfile')));
  }
  const visit = (fn: (c: Container, p: FieldPath) => void): void => {
    spec?.initContainers?.forEach((c, i) => fn(c, path.child('initContainers').index(i)));
    spec?.containers?.forEach((c, i) => fn(c, path.child('containers').index(i)));
    spec?.ephemeralContainers?.forEach((c, i) => fn(c as Container, path.child('ephemeralContainers').index(i)));
  };
  visit((c, p) => {
    const field = c.securityContext?.seccompProfile;
    const annotation = annotations[`${SECCOMP_CONTAINER}${c.name}`];
    if (field && annotation !== undefined) errs.push(...seccompMismatch(annotation, field, p.child('securityContext', 'seccompProfile')));
  });
  if (spec?.os?.name === 'windows') return errs;
  visit((c, p) => {
    const profile = c.securityContext?.appArmorProfile ?? spec?.securityContext?.appArmorProfile;
    const annotation = annotations[`${APPARMOR_CONTAINER}${c.name}`];
    if (profile && annotation !== undefined) errs.push(...appArmorMismatch(annotation, profile, p.child('securityContext', 'appArmorProfile')));
  });
  return errs;
}
