/**
 * What handlers see: the server's services (registry, stores, watch fan-outs) and one request's
 * scope (the resource, its store, the parsed query, the user, a signal that aborts when the client
 * goes away, and warnings to send back).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../lib/logger.js';
import type { Backend } from '../../storage/index.js';
import type { Authorizer, UserInfo } from '../auth/index.js';
import type { KubeletClientConfig } from '../kubelet-client.js';
import type { Registry, ResourceDef } from '../registry/index.js';
import type { RequestMetrics } from '../server/metrics.js';
import type { RestStore, WatchFanout } from '../store/index.js';
import type { ResourceVerb } from '../server/request-info.js';

export interface WatchSettings {
  /** How often bookmarks go out when a watch asked for them (default 60 s). */
  bookmarkIntervalMs: number;
  /** Watches without timeoutSeconds end after a random time in [min, 2*min) (upstream: 30 min). */
  minRequestTimeoutSeconds: number;
}

export interface ApiServices {
  readonly registry: Registry;
  readonly backend: Backend;
  readonly logger: Logger;
  readonly watch: WatchSettings;
  readonly authorizer: Authorizer;
  /** Request counts and latencies, served on `/metrics`. */
  readonly metrics: RequestMetrics;
  /** Credentials towards kubelets (pods/log, exec, attach, portforward). */
  readonly kubeletClient: KubeletClientConfig;
  now(): number;
  store(def: ResourceDef): RestStore;
  /** The watch fan-out of a stored (not virtual) resource. */
  fanout(def: ResourceDef): WatchFanout;
  /** The store of a resource by (group, plural) in its only served version. */
  storeFor(group: string, plural: string): RestStore;
}

export interface RequestScope {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
  readonly def: ResourceDef;
  readonly store: RestStore;
  readonly namespace: string;
  readonly name: string;
  readonly subresource: string;
  readonly verb: ResourceVerb;
  readonly user: UserInfo;
  /** Aborts when the client disconnects. */
  readonly signal: AbortSignal;
  /** Texts for `Warning: 299` headers. */
  readonly warnings: string[];
}
