/**
 * How the API server reaches a node's kubelet API (for pods/log, exec, attach, portforward): the
 * node's InternalIP (else its Hostname address) and `status.daemonEndpoints.kubeletEndpoint.Port`,
 * over HTTPS with the API server's kubelet client certificate. The kubelet's serving certificate is
 * not verified unless a CA is given, as upstream without `--kubelet-certificate-authority`.
 */
import { isIP } from 'node:net';
import { badRequest } from './errors.js';
import { arrayAt, isRecord } from './object.js';
import type { RestStore } from './store/index.js';

export interface KubeletClientConfig {
  /** Client certificate and key presented to kubelets (PEM). */
  certPem?: string;
  keyPem?: string;
  /** Verifies kubelets' serving certificates when set. */
  caPem?: string;
}

/** TLS options for node:https requests to a kubelet. */
export interface KubeletTls {
  cert?: string;
  key?: string;
  ca?: string;
  rejectUnauthorized: boolean;
}

export interface KubeletLocation {
  /** `https://host:port` of the node's kubelet API. */
  base: string;
  tls: KubeletTls;
}

export function kubeletTls(cfg: KubeletClientConfig): KubeletTls {
  return { cert: cfg.certPem, key: cfg.keyPem, ca: cfg.caPem, rejectUnauthorized: cfg.caPem !== undefined };
}

/** The kubelet API of node `nodeName`, read from its Node object. */
export async function locateKubelet(nodes: RestStore, nodeName: string, cfg: KubeletClientConfig, signal?: AbortSignal): Promise<KubeletLocation> {
  const node = await nodes.get('', nodeName, signal);
  const addresses = arrayAt(node, 'status', 'addresses').filter(isRecord);
  const pick = (type: string): string | undefined => addresses.find((a) => a.type === type && typeof a.address === 'string' && a.address !== '')?.address as string | undefined;
  const host = pick('InternalIP') ?? pick('Hostname') ?? pick('ExternalIP');
  const endpoint = (node.status as { daemonEndpoints?: { kubeletEndpoint?: { Port?: unknown } } } | undefined)?.daemonEndpoints?.kubeletEndpoint?.Port;
  const port = typeof endpoint === 'number' && endpoint > 0 ? endpoint : 10250;
  if (!host) throw badRequest(`node ${nodeName} has no address in status.addresses to reach its kubelet at`);
  return { base: `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`, tls: kubeletTls(cfg) };
}
