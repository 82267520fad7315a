/**
 * Pod volumes, as upstream `ValidateVolumes` and `validateVolumeSource` (v1.32). Every upstream
 * source counts towards "exactly one source"; the contents of the sources tskube serves (emptyDir,
 * hostPath, secret, configMap, downwardAPI, projected, persistentVolumeClaim, nfs, csi, ephemeral,
 * image) are checked, the others only counted. Also the path rules mounts and profiles share.
 */
import type { ObjectMeta } from '../meta.js';
import { parseQuantity, QuantityError } from '../quantity.js';
import type { KeyToPath, Volume } from '../volume.js';
import { validateObjectFieldSelector, validateResourceFieldSelector, VOLUME_FIELD_PATHS } from './downward.js';
import { duplicate, forbidden, goQuote, invalid, notSupported, required, type ErrorList, type FieldPath } from './field.js';
import { isDNS1123Label, nameIsDNSSubdomain } from './names.js';

/** Every upstream volume source, in upstream's order, with the path its "more than 1" error uses. */
const SOURCES: ReadonlyArray<readonly [key: string, forbiddenAs: string]> = [
  ['emptyDir', 'emptyDir'], ['hostPath', 'hostPath'], ['gitRepo', 'gitRepo'], ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'], ['secret', 'secret'], ['nfs', 'nfs'], ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'], ['flocker', 'flocker'], ['persistentVolumeClaim', 'persistentVolumeClaim'], ['rbd', 'rbd'],
  ['cinder', 'cinder'], ['cephfs', 'cephFS'], ['quobyte', 'quobyte'], ['downwardAPI', 'downwarAPI'], ['fc', 'fc'],
  ['flexVolume', 'flexVolume'], ['configMap', 'configMap'], ['azureFile', 'azureFile'], ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'], ['portworxVolume', 'portworxVolume'], ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'], ['projected', 'projected'], ['scaleIO', 'scaleIO'], ['csi', 'csi'], ['ephemeral', 'ephemeral'],
  ['image', 'image'],
]; // prettier-ignore

const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function validateMode(mode: number | undefined, path: FieldPath): ErrorList {
  return mode !== undefined && (mode > 0o777 || mode < 0) ? [invalid(path, mode, FILE_MODE_MSG)] : [];
}

/** Upstream `validatePathNoBacksteps`: no `..` element. */
export function validatePathNoBacksteps(target: string, path: FieldPath): ErrorList {
  return target.split('/').includes('..') ? [invalid(path, target, "must not contain '..'")] : [];
}

/** Upstream `validateLocalDescendingPath`: relative, no `..` element. */
export function validateLocalDescendingPath(target: string, path: FieldPath): ErrorList {
  const errs: ErrorList = target.startsWith('/') ? [invalid(path, target, 'must be a relative path')] : [];
  return [...errs, ...validatePathNoBacksteps(target, path)];
}

/** Upstream `ValidateLocalNonReservedPath`: as above, and not starting with `..`. */
function validateLocalNonReservedPath(target: string, path: FieldPath): ErrorList {
  const errs = validateLocalDescendingPath(target, path);
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(invalid(path, target, "must not start with '..'"));
  return errs;
}

function validateKeyToPath(kp: KeyToPath, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (!kp.key) errs.push(required(path.child('key')));
  if (!kp.path) errs.push(required(path.child('path')));
  errs.push(...validateLocalNonReservedPath(kp.path ?? '', path.child('path')), ...validateMode(kp.mode, path.child('mode')));
  return errs;
}

const items = (list: KeyToPath[] | undefined, path: FieldPath): ErrorList => (list ?? []).flatMap((kp, i) => validateKeyToPath(kp, path.index(i)));

function validateSource(key: string, v: Volume, path: FieldPath): ErrorList {
  switch (key) {
    case 'emptyDir': {
      const limit = v.emptyDir?.sizeLimit;
      if (limit === undefined) return [];
      try {
        if (parseQuantity(limit).unscaled < 0n) return [forbidden(path.child('sizeLimit'), 'SizeLimit field must be a valid resource quantity')];
      } catch (err) {
        if (!(err instanceof QuantityError)) throw err;
        return [invalid(path.child('sizeLimit'), String(limit), err.message)];
      }
      return [];
    }
    case 'hostPath': {
      const hp = v.hostPath;
      if (!hp?.path) return [required(path.child('path'))];
      const errs = validatePathNoBacksteps(hp.path, path.child('path'));
      if (hp.type !== undefined && !HOST_PATH_TYPES.includes(hp.type)) errs.push(notSupported(path.child('type'), hp.type, HOST_PATH_TYPES));
      return errs;
    }
    case 'secret':
      return [
        ...(v.secret?.secretName ? [] : [required(path.child('secretName'))]),
        ...validateMode(v.secret?.defaultMode, path.child('defaultMode')),
        ...items(v.secret?.items, path.child('items')),
      ];
    case 'configMap':
      return [
        ...(v.configMap?.name ? [] : [required(path.child('name'))]),
        ...validateMode(v.configMap?.defaultMode, path.child('defaultMode')),
        ...items(v.configMap?.items, path.child('items')),
      ];
    case 'persistentVolumeClaim':
      return v.persistentVolumeClaim?.claimName ? [] : [required(path.child('claimName'))];
    case 'nfs': {
      const errs: ErrorList = [];
      if (!v.nfs?.server) errs.push(required(path.child('server')));
      if (!v.nfs?.path) errs.push(required(path.child('path')));
      if (!(v.nfs?.path ?? '').startsWith('/')) errs.push(invalid(path.child('path'), v.nfs?.path ?? '', 'must be an absolute path'));
      return errs;
    }
    case 'downwardAPI':
      return [
        ...validateMode(v.downwardAPI?.defaultMode, path.child('defaultMode')),
        ...(v.downwardAPI?.items ?? []).flatMap((f) => validateDownwardFile(f, path)),
      ];
    case 'projected':
      return validateProjected(v, path);
    case 'csi':
      return v.csi?.driver ? [] : [required(path.child('driver'))];
    case 'image':
      return v.image?.reference ? [] : [required(path.child('reference'))];
    case 'ephemeral':
      return v.ephemeral?.volumeClaimTemplate ? [] : [required(path.child('volumeClaimTemplate'))];
    default:
      return [];
  }
}

type DownwardFile = NonNullable<NonNullable<Volume['downwardAPI']>['items']>[number];

function validateDownwardFile(file: DownwardFile, path: FieldPath): ErrorList {
  const errs: ErrorList = file.path ? [] : [required(path.child('path'))];
  errs.push(...validateLocalNonReservedPath(file.path ?? '', path.child('path')));
  if (file.fieldRef) {
    errs.push(...validateObjectFieldSelector(file.fieldRef, VOLUME_FIELD_PATHS, path.child('fieldRef')));
    if (file.resourceFieldRef) errs.push(invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (file.resourceFieldRef) {
    errs.push(...validateResourceFieldSelector(file.resourceFieldRef, path.child('resourceFieldRef'), true));
  } else {
    errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  return [...errs, ...validateMode(file.mode, path.child('mode'))];
}

function validateProjected(v: Volume, path: FieldPath): ErrorList {
  const errs = validateMode(v.projected?.defaultMode, path.child('defaultMode'));
  const paths = new Set<string>();
  const claim = (p: string, value: string): void => {
    if (paths.has(p)) errs.push(invalid(path, value, 'conflicting duplicate paths'));
    paths.add(p);
  };
  (v.projected?.sources ?? []).forEach((src, i) => {
    const srcPath = path.child('sources').index(i);
    let n = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const s = src[kind];
      if (!s) continue;
      n++;
      if (!s.name) errs.push(required(srcPath.child(kind, 'name')));
      (s.items ?? []).forEach((kp, j) => {
        errs.push(...validateKeyToPath(kp, srcPath.child(kind, 'items').index(j)));
        if (kp.path) claim(kp.path, s.name ?? '');
      });
    }
    if (src.downwardAPI) {
      n++;
      for (const f of src.downwardAPI.items ?? []) {
        errs.push(...validateDownwardFile(f, srcPath.child('downwardAPI')));
        if (f.path) claim(f.path, f.path);
      }
    }
    const token = src.serviceAccountToken;
    if (token) {
      n++;
      const seconds = token.expirationSeconds ?? 3600;
      if (seconds < 600) errs.push(invalid(srcPath.child('serviceAccountToken', 'expirationSeconds'), seconds, 'may not specify a duration less than 10 minutes'));
      if (seconds > 2 ** 32) errs.push(invalid(srcPath.child('serviceAccountToken', 'expirationSeconds'), seconds, 'may not specify a duration larger than 2^32 seconds'));
      if (!token.path) errs.push(required(path.child('path')));
      else errs.push(...validateLocalNonReservedPath(token.path, path.child('path')));
    }
    if (src.clusterTrustBundle) n++;
    if (n > 1) errs.push(forbidden(srcPath, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

/**
 * `spec.volumes`: names are unique DNS labels, each volume has exactly one source. Returns the
 * volumes without errors by name (what mounts may refer to, as upstream) and the errors.
 */
export function validateVolumes(volumes: Volume[] | undefined, podMeta: ObjectMeta | undefined, path: FieldPath): { byName: Map<string, Volume>; errs: ErrorList } {
  const byName = new Map<string, Volume>();
  const errs: ErrorList = [];
  (volumes ?? []).forEach((vol, i) => {
    const idx = path.index(i);
    const el = validateVolumeSource(vol, idx, podMeta);
    if (!vol.name) el.push(required(idx.child('name')));
    else el.push(...isDNS1123Label(vol.name).map((m) => invalid(idx.child('name'), vol.name, m)));
    if (byName.has(vol.name)) el.push(duplicate(idx.child('name'), vol.name));
    if (el.length === 0) byName.set(vol.name, vol);
    else errs.push(...el);
  });
  return { byName, errs };
}

function validateVolumeSource(vol: Volume, path: FieldPath, podMeta: ObjectMeta | undefined): ErrorList {
  const errs: ErrorList = [];
  const record = vol as unknown as Record<string, unknown>;
  let count = 0;
  for (const [key, forbiddenAs] of SOURCES) {
    if (record[key] === undefined || record[key] === null) continue;
    if (count > 0) {
      errs.push(forbidden(path.child(forbiddenAs), 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...validateSource(key, vol, path.child(key)));
    if (key === 'ephemeral' && podMeta?.name && vol.name) {
      const pvcName = `${podMeta.name}-${vol.name}`;
      for (const msg of nameIsDNSSubdomain(pvcName, false)) errs.push(invalid(path.child('name'), vol.name, `PVC name ${goQuote(pvcName)}: ${msg}`));
    }
  }
  if (count === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}
