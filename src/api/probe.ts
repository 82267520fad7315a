/** core/v1 probes and lifecycle hooks (shapes; the prober and the hook runner interpret them). */
import type { IntOrString } from './meta.js';

export interface ExecAction {
  command?: string[];
}

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HTTPGetAction {
  path?: string;
  port: IntOrString;
  host?: string;
  scheme?: 'HTTP' | 'HTTPS';
  httpHeaders?: HTTPHeader[];
}

export interface TCPSocketAction {
  port: IntOrString;
  host?: string;
}

export interface GRPCAction {
  port: number;
  service?: string;
}

export interface SleepAction {
  seconds: number;
}

/** Exactly one of the actions is set. */
export interface ProbeHandler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
}

export interface Probe extends ProbeHandler {
  /** Default 0. */
  initialDelaySeconds?: number;
  /** Default 1. */
  timeoutSeconds?: number;
  /** Default 10. */
  periodSeconds?: number;
  /** Default 1; must be 1 for liveness and startup. */
  successThreshold?: number;
  /** Default 3. */
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

/** Exactly one of the actions is set. */
export interface LifecycleHandler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  sleep?: SleepAction;
}

export interface Lifecycle {
  postStart?: LifecycleHandler;
  preStop?: LifecycleHandler;
  stopSignal?: string;
}
