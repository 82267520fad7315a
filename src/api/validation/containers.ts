/**
 * App and init containers as upstream `validateContainers`, `validateInitContainers` and
 * `validateContainerCommon` (v1.32): names, image, ports, env, mounts, pull and termination
 * policies, resources, probes, hooks, security context, host port conflicts.
 */
import type { Container, ContainerPort, EnvFromSource, EnvVar } from '../container.js';
import type { Volume } from '../volume.js';
import { ENV_FIELD_PATHS, validateObjectFieldSelector, validateResourceFieldSelector } from './downward.js';
import { duplicate, forbidden, invalid, notSupported, required, type ErrorList, type FieldPath } from './field.js';
import { validateVolumeDevices, validateVolumeMounts } from './mounts.js';
import { isConfigMapKey, isDNS1123Label, isEnvVarName, isRelaxedEnvVarName, isValidPortName, isValidPortNum, nameIsDNSSubdomain } from './names.js';
import { validateLifecycle, validateProbe } from './probes.js';
import { validateContainerResources } from './resources.js';
import { validateSecurityContext, type SecurityOptions } from './security.js';

/** What container validation needs from the pod. */
export interface ContainerContext extends SecurityOptions {
  volumes: ReadonlyMap<string, Volume>;
  podClaimNames: ReadonlySet<string>;
  /** `spec.terminationGracePeriodSeconds`, bounding sleep hooks. */
  gracePeriod: number | undefined;
  podRestartPolicy: string | undefined;
  /** Env var names and envFrom prefixes by the relaxed 1.32 rule (the API server) or the strict one. */
  relaxedEnvVarNames: boolean;
}

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validatePorts(ports: ContainerPort[] | undefined, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const idx = path.index(i);
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length > 0) errs.push(...msgs.map((m) => invalid(idx.child('name'), port.name, m)));
      else if (names.has(port.name)) errs.push(duplicate(idx.child('name'), port.name));
      else names.add(port.name);
    }
    if (!port.containerPort) errs.push(required(idx.child('containerPort')));
    else errs.push(...isValidPortNum(port.containerPort).map((m) => invalid(idx.child('containerPort'), port.containerPort, m)));
    if (port.hostPort) errs.push(...isValidPortNum(port.hostPort).map((m) => invalid(idx.child('hostPort'), port.hostPort, m)));
    const protocol: string = port.protocol ?? '';
    if (protocol === '') errs.push(required(idx.child('protocol')));
    else if (!PROTOCOLS.includes(protocol)) errs.push(notSupported(idx.child('protocol'), protocol, PROTOCOLS));
  });
  return errs;
}

function validateKeySelector(s: { name?: string; key?: string }, path: FieldPath): ErrorList {
  const name = s.name ?? '';
  const errs = nameIsDNSSubdomain(name, false).map((m) => invalid(path.child('name'), name, m));
  if (!s.key) errs.push(required(path.child('key')));
  else errs.push(...isConfigMapKey(s.key).map((m) => invalid(path.child('key'), s.key, m)));
  return errs;
}

function validateEnvVar(ev: EnvVar, path: FieldPath, relaxed: boolean): ErrorList {
  const errs: ErrorList = [];
  if (!ev.name) errs.push(required(path.child('name')));
  else errs.push(...(relaxed ? isRelaxedEnvVarName(ev.name) : isEnvVarName(ev.name)).map((m) => invalid(path.child('name'), ev.name, m)));
  const from = ev.valueFrom;
  if (!from) return errs;
  const vf = path.child('valueFrom');
  const { fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef } = from;
  if (fieldRef) errs.push(...validateObjectFieldSelector(fieldRef, ENV_FIELD_PATHS, vf.child('fieldRef')));
  if (resourceFieldRef) errs.push(...validateResourceFieldSelector(resourceFieldRef, vf.child('resourceFieldRef'), false));
  if (configMapKeyRef) errs.push(...validateKeySelector(configMapKeyRef, vf.child('configMapKeyRef')));
  if (secretKeyRef) errs.push(...validateKeySelector(secretKeyRef, vf.child('secretKeyRef')));
  const n = [fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef].filter((s) => s !== undefined && s !== null).length;
  if (n === 0) errs.push(invalid(vf, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (ev.value) errs.push(invalid(vf, '', 'may not be specified when `value` is not empty'));
  else if (n > 1) errs.push(invalid(vf, '', 'may not have more than one field specified at a time'));
  return errs;
}

function validateEnvFrom(list: EnvFromSource[] | undefined, path: FieldPath, relaxed: boolean): ErrorList {
  const errs: ErrorList = [];
  (list ?? []).forEach((ef, i) => {
    const idx = path.index(i);
    if (ef.prefix) errs.push(...(relaxed ? isRelaxedEnvVarName(ef.prefix) : isEnvVarName(ef.prefix)).map((m) => invalid(idx.child('prefix'), ef.prefix, m)));
    let n = 0;
    for (const key of ['configMapRef', 'secretRef'] as const) {
      const ref = ef[key];
      if (!ref) continue;
      n++;
      if (!ref.name) errs.push(required(idx.child(key, 'name')));
      else errs.push(...nameIsDNSSubdomain(ref.name, true).map((m) => invalid(idx.child(key, 'name'), ref.name, m)));
    }
    if (n === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateResizePolicy(c: Container, path: FieldPath, podRestartPolicy: string | undefined): ErrorList {
  const errs: ErrorList = [];
  const seen = new Set<string>();
  (c.resizePolicy ?? []).forEach((p, i) => {
    const name: string = p.resourceName ?? '';
    const policy: string = p.restartPolicy ?? '';
    if (seen.has(name)) errs.push(duplicate(path.index(i), name));
    seen.add(name);
    if (name === '') errs.push(required(path));
    else if (name !== 'cpu' && name !== 'memory') errs.push(notSupported(path, name, ['cpu', 'memory']));
    if (policy === '') errs.push(required(path));
    else if (policy !== 'NotRequired' && policy !== 'RestartContainer') errs.push(notSupported(path, policy, ['NotRequired', 'RestartContainer']));
    if (podRestartPolicy === 'Never' && policy !== 'NotRequired') {
      errs.push(invalid(path, policy, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
    }
  });
  return errs;
}

/** Checks every kind of container shares (upstream `validateContainerCommon`). */
function validateContainerCommon(c: Container, path: FieldPath, ctx: ContainerContext): ErrorList {
  const errs: ErrorList = [];
  if (!c.name) errs.push(required(path.child('name')));
  else errs.push(...isDNS1123Label(c.name).map((m) => invalid(path.child('name'), c.name, m)));
  if (!c.image) errs.push(required(path.child('image')));
  const tmp: string = c.terminationMessagePolicy ?? '';
  if (tmp === '') errs.push(required(path.child('terminationMessagePolicy')));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(notSupported(path.child('terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  }
  errs.push(...validatePorts(c.ports, path.child('ports')));
  (c.env ?? []).forEach((ev, i) => errs.push(...validateEnvVar(ev, path.child('env').index(i), ctx.relaxedEnvVarNames)));
  errs.push(...validateEnvFrom(c.envFrom, path.child('envFrom'), ctx.relaxedEnvVarNames));
  errs.push(...validateVolumeMounts(c, ctx.volumes, path.child('volumeMounts')));
  errs.push(...validateVolumeDevices(c, ctx.volumes, path.child('volumeDevices')));
  const pull: string = c.imagePullPolicy ?? '';
  if (pull === '') errs.push(required(path.child('imagePullPolicy')));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pull)) errs.push(notSupported(path.child('imagePullPolicy'), pull, ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateContainerResources(c.resources, ctx.podClaimNames, path.child('resources')));
  errs.push(...validateResizePolicy(c, path.child('resizePolicy'), ctx.podRestartPolicy));
  errs.push(...validateSecurityContext(c.securityContext, path.child('securityContext'), ctx));
  return errs;
}

function validateProbesAndHooks(c: Container, path: FieldPath, gracePeriod: number | undefined): ErrorList {
  return [
    ...(c.lifecycle ? validateLifecycle(c.lifecycle, gracePeriod, path.child('lifecycle')) : []),
    ...validateProbe('livenessProbe', c.livenessProbe, gracePeriod, path.child('livenessProbe')),
    ...validateProbe('readinessProbe', c.readinessProbe, gracePeriod, path.child('readinessProbe')),
    ...validateProbe('startupProbe', c.startupProbe, gracePeriod, path.child('startupProbe')),
  ];
}

/** Upstream `AccumulateUniqueHostPorts`: one `protocol/hostIP/hostPort` per host. */
function hostPortConflicts(containers: Container[], path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const used = new Set<string>();
  containers.forEach((c, ci) => {
    (c.ports ?? []).forEach((p, pi) => {
      if (!p.hostPort) return;
      const key = `${p.protocol ?? ''}/${p.hostIP ?? ''}/${p.hostPort}`;
      if (used.has(key)) errs.push(duplicate(path.index(ci).child('ports').index(pi).child('hostPort'), key));
      used.add(key);
    });
  });
  return errs;
}

/** `spec.containers`: at least one, unique names, no `restartPolicy`, host ports unique across all. */
export function validateContainers(containers: Container[] | undefined, path: FieldPath, ctx: ContainerContext): ErrorList {
  const list = containers ?? [];
  if (list.length === 0) return [required(path)];
  const errs: ErrorList = [];
  const names = new Set<string>();
  list.forEach((c, i) => {
    const idx = path.index(i);
    errs.push(...validateContainerCommon(c, idx, ctx));
    if (names.has(c.name)) errs.push(duplicate(idx.child('name'), c.name));
    names.add(c.name);
    errs.push(...validateProbesAndHooks(c, idx, ctx.gracePeriod));
    if (c.restartPolicy !== undefined) errs.push(forbidden(idx.child('restartPolicy'), 'may not be set for non-init containers'));
  });
  return [...errs, ...hostPortConflicts(list, path)];
}

const INIT_ONLY = 'may not be set for init containers without restartPolicy=Always';

/**
 * `spec.initContainers`: names unique across init and app containers; only sidecars
 * (`restartPolicy: Always`) may have probes and hooks. Host ports are checked per init container,
 * and, as upstream, reported at index 0 whatever the container's index.
 */
export function validateInitContainers(inits: Container[] | undefined, apps: Container[] | undefined, path: FieldPath, ctx: ContainerContext): ErrorList {
  const errs: ErrorList = [];
  const names = new Set((apps ?? []).map((c) => c.name));
  (inits ?? []).forEach((c, i) => {
    const idx = path.index(i);
    errs.push(...validateContainerCommon(c, idx, ctx));
    const policy: string | undefined = c.restartPolicy;
    if (policy !== undefined && policy !== 'Always') errs.push(notSupported(idx.child('restartPolicy'), policy, ['Always']));
    if (names.has(c.name)) errs.push(duplicate(idx.child('name'), c.name));
    else if (c.name) names.add(c.name);
    errs.push(...hostPortConflicts([c], path));
    if (policy === 'Always') {
      errs.push(...validateProbesAndHooks(c, idx, ctx.gracePeriod));
    } else {
      for (const key of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (c[key]) errs.push(forbidden(idx.child(key), INIT_ONLY));
      }
    }
    if ((c.resizePolicy ?? []).length > 0) errs.push(invalid(idx.child('resizePolicy'), c.resizePolicy ?? [], 'must not be set for init containers'));
  });
  return errs;
}
