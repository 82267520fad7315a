/**
 * A container's volume mounts and block devices against the pod's valid volumes, as upstream
 * `ValidateVolumeMounts` and `ValidateVolumeDevices` (v1.32), including upstream's unindexed paths
 * for `subPath`, `subPathExpr`, `mountPropagation` and `recursiveReadOnly` errors.
 */
import type { Container, VolumeDevice, VolumeMount } from '../container.js';
import type { Volume } from '../volume.js';
import { forbidden, invalid, notFound, notSupported, required, type ErrorList, type FieldPath } from './field.js';
import { validateLocalDescendingPath } from './volumes.js';

const PROPAGATIONS = ['Bidirectional', 'HostToContainer', 'None'];
const RRO_MODES = ['Disabled', 'Enabled', 'IfPossible'];

/** A container's `volumeMounts`; some paths are not indexed, exactly as upstream reports them. */
export function validateVolumeMounts(c: Container, volumes: ReadonlyMap<string, Volume>, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const mountPaths = new Set<string>();
  const devices = new Map((c.volumeDevices ?? []).map((d) => [d.name, d.devicePath]));
  (c.volumeMounts ?? []).forEach((m: VolumeMount, i) => {
    const idx = path.index(i);
    if (!m.name) errs.push(required(idx.child('name')));
    if (!volumes.has(m.name)) errs.push(notFound(idx.child('name'), m.name));
    if (!m.mountPath) errs.push(required(idx.child('mountPath')));
    if (mountPaths.has(m.mountPath)) errs.push(invalid(idx.child('mountPath'), m.mountPath, 'must be unique'));
    mountPaths.add(m.mountPath);
    if (devices.has(m.name)) errs.push(invalid(idx.child('name'), m.name, 'must not already exist in volumeDevices'));
    if ([...devices.values()].includes(m.mountPath)) errs.push(invalid(idx.child('mountPath'), m.mountPath, 'must not already exist as a path in volumeDevices'));
    if (volumes.get(m.name)?.image) {
      if (m.subPath) errs.push(invalid(idx.child('subPath'), m.subPath, 'not allowed in image volume sources'));
      if (m.subPathExpr) errs.push(invalid(idx.child('subPathExpr'), m.subPathExpr, 'not allowed in image volume sources'));
    }
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, path.child('subPath')));
    if (m.subPathExpr) {
      if (m.subPath) errs.push(invalid(idx.child('subPathExpr'), m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(m.subPathExpr, path.child('subPathExpr')));
    }
    if (m.mountPropagation !== undefined) {
      const p = path.child('mountPropagation');
      if (!PROPAGATIONS.includes(m.mountPropagation)) errs.push(notSupported(p, m.mountPropagation, PROPAGATIONS));
      if (m.mountPropagation === 'Bidirectional' && c.securityContext?.privileged !== true) {
        errs.push(forbidden(p, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
    const rro = m.recursiveReadOnly;
    if (rro !== undefined && rro !== 'Disabled') {
      const p = path.child('recursiveReadOnly');
      if (!RRO_MODES.includes(rro)) errs.push(notSupported(p, rro, RRO_MODES));
      else {
        if (!m.readOnly) errs.push(forbidden(p, 'may only be specified when readOnly is true'));
        if (m.mountPropagation !== undefined && m.mountPropagation !== 'None') {
          errs.push(forbidden(p, 'may only be specified when mountPropagation is None or not specified'));
        }
      }
    }
  });
  return errs;
}

/** A container's `volumeDevices`: block devices of PVC or ephemeral volumes only. */
export function validateVolumeDevices(c: Container, volumes: ReadonlyMap<string, Volume>, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const names = new Set<string>();
  const devicePaths = new Set<string>();
  const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.name, m.mountPath]));
  (c.volumeDevices ?? []).forEach((d: VolumeDevice, i) => {
    const idx = path.index(i);
    const vol = volumes.get(d.name);
    if (!d.name) errs.push(required(idx.child('name')));
    if (names.has(d.name)) errs.push(invalid(idx.child('name'), d.name, 'must be unique'));
    if (vol && !vol.persistentVolumeClaim && !vol.ephemeral) {
      errs.push(invalid(idx.child('name'), d.name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    }
    if (!vol) errs.push(notFound(idx.child('name'), d.name));
    if (!d.devicePath) errs.push(required(idx.child('devicePath')));
    if (devicePaths.has(d.devicePath)) errs.push(invalid(idx.child('devicePath'), d.devicePath, 'must be unique'));
    if (d.devicePath && d.devicePath.split('/').includes('..')) errs.push(invalid(idx.child('devicePath'), d.devicePath, "can not contain backsteps ('..')"));
    else devicePaths.add(d.devicePath);
    if (mounts.has(d.name)) errs.push(invalid(idx.child('name'), d.name, 'must not already exist in volumeMounts'));
    if ([...mounts.values()].includes(d.devicePath)) errs.push(invalid(idx.child('devicePath'), d.devicePath, 'must not already exist as a path in volumeMounts'));
    if (d.name) names.add(d.name);
  });
  return errs;
}
