/**
 * `pods/exec`, `pods/attach`, `pods/portforward`: streams into a pod, served by its node's kubelet.
 * As upstream (1.30+), the API server speaks what kubectl offers and SPDY towards the kubelet:
 *  - exec/attach over WebSocket (`v5.channel.k8s.io`, ...): translated into an SPDY/3.1 session
 *    (`v4.channel.k8s.io`) to the kubelet, channel by channel;
 *  - port-forward over WebSocket (`SPDY/3.1+portforward.k8s.io`): the SPDY bytes kubectl tunnels
 *    in WebSocket frames are unwrapped and piped to an SPDY upgrade to the kubelet; the channel
 *    protocol of client libraries (`?ports=80`) becomes one SPDY stream pair per port;
 *  - SPDY upgrades (kubectl's fallback): proxied to the kubelet byte for byte.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { httpUpgrade, spdyUpgrade } from '../../../lib/spdy/index.js';
import { offeredProtocols, PORT_FORWARD_PROTOCOL, PORT_FORWARD_TUNNEL_PROTOCOL, proxyUpgrade, serveExecWebSocket, servePortForwardChannels, servePortForwardWebSocket } from '../../../lib/remotecommand/index.js';
import { badRequest } from '../errors.js';
import { stringAt } from '../object.js';
import { locateKubelet } from '../kubelet-client.js';
import type { ApiServices } from './context.js';
import { resolveContainer } from './log.js';

export const CONNECT_SUBRESOURCES: ReadonlySet<string> = new Set(['exec', 'attach', 'portforward']);

export interface ConnectTarget {
  namespace: string;
  name: string;
  subresource: string;
  query: URLSearchParams;
}

const flag = (q: URLSearchParams, k: string): boolean => q.get(k) === 'true' || q.get(k) === '1';

/** The kubelet path and query for the request, as upstream's ExecLocation/AttachLocation/PortForwardLocation build them. */
function kubeletPath(target: ConnectTarget, container: string): string {
  const enc = encodeURIComponent;
  const { namespace, name, query } = target;
  const params = new URLSearchParams();
  if (target.subresource === 'portforward') {
    for (const p of query.getAll('ports')) for (const port of p.split(',')) if (port) params.append('port', port);
    return `/portForward/${enc(namespace)}/${enc(name)}${params.size > 0 ? `?${params.toString()}` : ''}`;
  }
  if (target.subresource === 'exec') for (const c of query.getAll('command')) params.append('command', c);
  if (flag(query, 'stdin')) params.set('input', '1');
  if (flag(query, 'stdout')) params.set('output', '1');
  if (flag(query, 'stderr')) params.set('error', '1');
  if (flag(query, 'tty')) params.set('tty', '1');
  const kind = target.subresource === 'exec' ? 'exec' : 'attach';
  return `/${kind}/${enc(namespace)}/${enc(name)}/${enc(container)}?${params.toString()}`;
}

function isWebSocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/**
 * Serves one upgrade request for a connect subresource. Failures before the upgrade is answered
 * throw (an ApiError the caller writes as a Status); later ones end the stream as the protocol says.
 */
export async function handleConnect(services: ApiServices, target: ConnectTarget, req: IncomingMessage, socket: Duplex, head: Buffer, signal: AbortSignal): Promise<void> {
  const pods = services.storeFor('', 'pods');
  const pod = await pods.get(target.namespace, target.name, signal);
  const container = target.subresource === 'portforward' ? '' : resolveContainer(pod, target.query.get('container') ?? '', { withInitList: false });
  const nodeName = stringAt(pod, 'spec', 'nodeName');
  if (!nodeName) throw badRequest(`pod ${target.name} does not have a host assigned`);
  const kubelet = await locateKubelet(services.storeFor('', 'nodes'), nodeName, services.kubeletClient, signal);
  const url = new URL(kubeletPath(target, container), kubelet.base);

  if (!isWebSocket(req)) {
    // kubectl's SPDY fallback: the kubelet speaks SPDY itself.
    await proxyUpgrade(req, socket, head, url, { tls: kubelet.tls, logger: services.logger });
    return;
  }
  if (target.subresource === 'portforward') {
    if (offeredProtocols(req).includes(PORT_FORWARD_TUNNEL_PROTOCOL)) {
      await servePortForwardWebSocket(req, socket, head, async () => (await httpUpgrade({ url, protocols: [PORT_FORWARD_PROTOCOL], tls: kubelet.tls })).socket);
    } else {
      // Client libraries' channel protocol (ports in the query): one SPDY stream pair per port.
      await servePortForwardChannels(req, socket, head, (protocols) => spdyUpgrade({ url, protocols, tls: kubelet.tls }));
    }
    return;
  }
  await serveExecWebSocket(req, socket, head, (protocols) => spdyUpgrade({ url, protocols, tls: kubelet.tls }));
}
