/**
 * Probes and lifecycle handlers as upstream `validateProbe`, `validateHandler` and
 * `validateLifecycle` (v1.32): exactly one handler, ports as number or IANA name, thresholds
 * non-negative. Expects defaulted probes (upstream validates after defaulting).
 */
import type { IntOrString } from '../meta.js';
import type { ExecAction, GRPCAction, HTTPGetAction, Lifecycle, LifecycleHandler, Probe, SleepAction, TCPSocketAction } from '../probe.js';
import { forbidden, invalid, notSupported, required, type ErrorList, type FieldPath } from './field.js';
import { isHTTPHeaderName, isValidPortName, isValidPortNum } from './names.js';

const IS_NEGATIVE = 'must be greater than or equal to 0';

interface Handler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
  sleep?: SleepAction;
}

/** Upstream `ValidatePortNumOrName`. */
export function validatePortNumOrName(port: IntOrString | undefined, path: FieldPath): ErrorList {
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(path, port, m));
  const n = port ?? 0;
  return isValidPortNum(n).map((m) => invalid(path, n, m));
}

function validateHTTPGet(h: HTTPGetAction, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (!h.path) errs.push(required(path.child('path')));
  errs.push(...validatePortNumOrName(h.port, path.child('port')));
  if (h.scheme !== 'HTTP' && h.scheme !== 'HTTPS') errs.push(notSupported(path.child('scheme'), h.scheme ?? '', ['HTTP', 'HTTPS']));
  for (const header of h.httpHeaders ?? []) {
    errs.push(...isHTTPHeaderName(header.name ?? '').map((m) => invalid(path.child('httpHeaders'), header.name ?? '', m)));
  }
  return errs;
}

function validateSleep(sleep: SleepAction, gracePeriod: number | undefined, path: FieldPath): ErrorList {
  const s = sleep.seconds ?? 0;
  if (gracePeriod === undefined || (s > 0 && s <= gracePeriod)) return [];
  const detail = `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`;
  return [invalid(path, s, detail)];
}

/** Exactly one of exec, httpGet, tcpSocket, grpc (probes) or sleep (lifecycle hooks). */
function validateHandler(h: Handler, gracePeriod: number | undefined, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  let n = 0;
  const one = (key: string, check: () => ErrorList): void => {
    if (n > 0) return void errs.push(forbidden(path.child(key), 'may not specify more than 1 handler type'));
    n++;
    errs.push(...check());
  };
  const { exec, httpGet, tcpSocket, grpc, sleep } = h;
  if (exec) one('exec', () => ((exec.command ?? []).length === 0 ? [required(path.child('exec', 'command'))] : []));
  if (httpGet) one('httpGet', () => validateHTTPGet(httpGet, path.child('httpGet')));
  if (tcpSocket) one('tcpSocket', () => validatePortNumOrName(tcpSocket.port, path.child('tcpSocket', 'port')));
  if (grpc) one('grpc', () => validatePortNumOrName(grpc.port ?? 0, path.child('grpc', 'port')));
  if (sleep) one('sleep', () => validateSleep(sleep, gracePeriod, path.child('sleep')));
  if (n === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

export type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

/**
 * A probe of the given kind: liveness and startup probes need `successThreshold: 1`, readiness
 * probes may not set `terminationGracePeriodSeconds`.
 */
export function validateProbe(kind: ProbeKind, probe: Probe | undefined, gracePeriod: number | undefined, path: FieldPath): ErrorList {
  if (!probe) return [];
  const { exec, httpGet, tcpSocket, grpc } = probe;
  const errs = validateHandler({ exec, httpGet, tcpSocket, grpc }, gracePeriod, path);
  for (const key of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    const v = probe[key] ?? 0;
    if (v < 0) errs.push(invalid(path.child(key), v, IS_NEGATIVE));
  }
  const tgps = probe.terminationGracePeriodSeconds;
  if (tgps !== undefined && tgps !== null && tgps <= 0) errs.push(invalid(path.child('terminationGracePeriodSeconds'), tgps, 'must be greater than 0'));
  if (kind === 'readinessProbe') {
    if (tgps !== undefined && tgps !== null) {
      errs.push(invalid(path.child('terminationGracePeriodSeconds'), tgps, 'must not be set for readinessProbes'));
    }
  } else if ((probe.successThreshold ?? 0) !== 1) {
    errs.push(invalid(path.child('successThreshold'), probe.successThreshold ?? 0, 'must be 1'));
  }
  return errs;
}

/** postStart and preStop hooks. */
export function validateLifecycle(lc: Lifecycle, gracePeriod: number | undefined, path: FieldPath): ErrorList {
  const hook = (h: LifecycleHandler | undefined, key: string): ErrorList => (h ? validateHandler(h, gracePeriod, path.child(key)) : []);
  return [...hook(lc.postStart, 'postStart'), ...hook(lc.preStop, 'preStop')];
}
