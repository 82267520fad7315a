/**
 * Container and pod security contexts as upstream `ValidateSecurityContext` and
 * `validatePodSpecSecurityContext` (v1.32), Linux parts only (Windows options are not checked).
 */
import type { PodSpec } from '../pod.js';
import type { AppArmorProfile, SeccompProfile, SecurityContext } from '../security.js';
import { duplicate, forbidden, invalid, notSupported, required, tooLong, type ErrorList, type FieldPath } from './field.js';
import { isValidGroupID, isValidUserID } from './names.js';
import { validateLocalDescendingPath } from './volumes.js';

const PROFILE_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

export function validateSeccompProfile(sp: SeccompProfile | undefined, path: FieldPath): ErrorList {
  if (!sp) return [];
  const errs: ErrorList = [];
  const type: string = sp.type ?? '';
  if (type === '') errs.push(required(path.child('type'), 'type is required when seccompProfile is set'));
  else if (!PROFILE_TYPES.includes(type)) errs.push(notSupported(path.child('type'), type, PROFILE_TYPES));
  if (type === 'Localhost') {
    if (sp.localhostProfile === undefined) errs.push(required(path.child('localhostProfile'), 'must be set when seccomp type is Localhost'));
    else errs.push(...validateLocalDescendingPath(sp.localhostProfile, path.child('localhostProfile')));
  } else if (sp.localhostProfile !== undefined) {
    errs.push(invalid(path.child('localhostProfile'), sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

export function validateAppArmorProfile(p: AppArmorProfile | undefined, path: FieldPath): ErrorList {
  if (!p) return [];
  const type: string = p.type ?? '';
  if (type === 'Localhost') {
    const profile = p.localhostProfile;
    if (profile === undefined) return [required(path.child('localhostProfile'), 'must be set when AppArmor type is Localhost')];
    const errs: ErrorList = [];
    if (profile.trim() !== profile) errs.push(invalid(path.child('localhostProfile'), profile, 'must not be padded with whitespace'));
    else if (profile === '') errs.push(required(path.child('localhostProfile'), 'must be set when AppArmor type is Localhost'));
    if (Buffer.byteLength(profile) > 4095) errs.push(tooLong(path.child('localhostProfile'), '', 4095));
    return errs;
  }
  if (type === 'RuntimeDefault' || type === 'Unconfined') {
    return p.localhostProfile !== undefined ? [invalid(path.child('localhostProfile'), p.localhostProfile, 'can only be set when AppArmor type is Localhost')] : [];
  }
  if (type === '') return [required(path.child('type'), 'type is required when appArmorProfile is set')];
  return [notSupported(path.child('type'), type, PROFILE_TYPES)];
}

export interface SecurityOptions {
  /** Whether privileged containers are allowed (upstream `capabilities.AllowPrivileged`). */
  allowPrivileged: boolean;
  /** The pod shares the host's user namespace (`spec.hostUsers`, default true). */
  hostUsers: boolean;
}

/** A container's `securityContext`. */
export function validateSecurityContext(sc: SecurityContext | undefined, path: FieldPath, opts: SecurityOptions): ErrorList {
  if (!sc) return [];
  const errs: ErrorList = [];
  if (sc.privileged === true && !opts.allowPrivileged) errs.push(forbidden(path.child('privileged'), 'disallowed by cluster policy'));
  if (sc.runAsUser !== undefined) errs.push(...isValidUserID(sc.runAsUser).map((m) => invalid(path.child('runAsUser'), sc.runAsUser, m)));
  if (sc.runAsGroup !== undefined) errs.push(...isValidGroupID(sc.runAsGroup).map((m) => invalid(path.child('runAsGroup'), sc.runAsGroup, m)));
  if (sc.procMount !== undefined) {
    const pm: string = sc.procMount;
    if (pm !== 'Default' && pm !== 'Unmasked') errs.push(notSupported(path.child('procMount'), pm, ['Default', 'Unmasked']));
    if (opts.hostUsers && pm === 'Unmasked') errs.push(invalid(path.child('procMount'), pm, '`hostUsers` must be false to use `Unmasked`'));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap === 'CAP_SYS_ADMIN') errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, path.child('appArmorProfile')));
  return errs;
}

const SYSCTL_SEGMENT = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const SYSCTL_RE_SOURCE = `^(${SYSCTL_SEGMENT}[\\./])*${SYSCTL_SEGMENT}$`;
const SYSCTL_RE = new RegExp(SYSCTL_RE_SOURCE);

/** The namespace a sysctl belongs to (upstream `utilsysctl.GetNamespace`, net and ipc parts). */
function sysctlNamespace(name: string): 'net' | 'ipc' | undefined {
  const n = name.replaceAll('/', '.');
  if (n.startsWith('net.')) return 'net';
  if (n === 'kernel.sem' || n.startsWith('kernel.shm') || n.startsWith('kernel.msg') || n.startsWith('fs.mqueue.')) return 'ipc';
  return undefined;
}

function validateSysctls(spec: PodSpec, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const seen = new Set<string>();
  (spec.securityContext?.sysctls ?? []).forEach((s, i) => {
    const p = path.index(i).child('name');
    if (!s.name) errs.push(required(p));
    else if (Buffer.byteLength(s.name) > 253 || !SYSCTL_RE.test(s.name)) errs.push(invalid(p, s.name, `must have at most 253 characters and match regex ${SYSCTL_RE_SOURCE}`));
    else if (seen.has(s.name)) errs.push(duplicate(p, s.name));
    const ns = sysctlNamespace(s.name ?? '');
    if (spec.hostNetwork === true && ns === 'net') errs.push(invalid(p, s.name, "may not be specified when 'hostNetwork' is true"));
    else if (spec.hostIPC === true && ns === 'ipc') errs.push(invalid(p, s.name, "may not be specified when 'hostIPC' is true"));
    seen.add(s.name ?? '');
  });
  return errs;
}

/** `spec.securityContext`, with the host-namespace flags that live beside it in the v1 PodSpec. */
export function validatePodSecurityContext(spec: PodSpec, specPath: FieldPath): ErrorList {
  const sc = spec.securityContext;
  const path = specPath.child('securityContext');
  if (!sc) return [];
  const errs: ErrorList = [];
  if (sc.fsGroup !== undefined) errs.push(...isValidGroupID(sc.fsGroup).map((m) => invalid(path.child('fsGroup'), sc.fsGroup, m)));
  if (sc.runAsUser !== undefined) errs.push(...isValidUserID(sc.runAsUser).map((m) => invalid(path.child('runAsUser'), sc.runAsUser, m)));
  if (sc.runAsGroup !== undefined) errs.push(...isValidGroupID(sc.runAsGroup).map((m) => invalid(path.child('runAsGroup'), sc.runAsGroup, m)));
  (sc.supplementalGroups ?? []).forEach((g, i) => errs.push(...isValidGroupID(g).map((m) => invalid(path.child('supplementalGroups').index(i), g, m))));
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(invalid(path.child('shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  errs.push(...validateSysctls(spec, path.child('sysctls')));
  const fsPolicy: string | undefined = sc.fsGroupChangePolicy;
  if (fsPolicy !== undefined && fsPolicy !== 'Always' && fsPolicy !== 'OnRootMismatch') {
    errs.push(notSupported(path.child('fsGroupChangePolicy'), fsPolicy, ['Always', 'OnRootMismatch']));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, path.child('appArmorProfile')));
  const sgPolicy: string | undefined = sc.supplementalGroupsPolicy;
  if (sgPolicy !== undefined && sgPolicy !== 'Merge' && sgPolicy !== 'Strict') {
    errs.push(notSupported(path.child('supplementalGroupsPolicy'), sgPolicy, ['Merge', 'Strict']));
  }
  const seLinux: string | undefined = sc.seLinuxChangePolicy;
  if (seLinux !== undefined && seLinux !== 'MountOption' && seLinux !== 'Recursive') {
    errs.push(notSupported(path.child('seLinuxChangePolicy'), seLinux, ['MountOption', 'Recursive']));
  }
  return errs;
}
