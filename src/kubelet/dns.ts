import { readFileSync } from 'node:fs';
import type { Pod } from '../api/index.js';
import type { CriDnsConfig } from './decide/index.js';

export interface DnsSettings {
  /** Cluster DNS servers (`--cluster-dns`); empty standalone. */
  clusterDns: readonly string[];
  clusterDomain: string;
  /** The node's resolver, used by dnsPolicy Default (and ClusterFirst without cluster DNS). */
  host: CriDnsConfig;
}

/** Parses resolv.conf text: nameserver, search/domain and options lines. */
export function parseResolvConf(text: string): CriDnsConfig {
  const servers: string[] = [];
  let searches: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const [key, ...fields] = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (key === 'nameserver' && fields[0]) servers.push(fields[0]);
    else if (key === 'search') searches = fields;
    else if (key === 'domain' && fields[0]) searches = [fields[0]];
    else if (key === 'options') options.push(...fields);
  }
  return { servers, searches, options };
}

export function readHostResolvConf(path = '/etc/resolv.conf'): CriDnsConfig {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return { servers: [], searches: [], options: [] };
  }
}

function merge(base: CriDnsConfig, extra: Pod['spec']['dnsConfig']): CriDnsConfig {
  const servers = [...(base.servers ?? []), ...(extra?.nameservers ?? [])];
  const searches = [...(extra?.searches ?? []), ...(base.searches ?? [])];
  const opts = new Map<string, string>();
  for (const o of base.options ?? []) opts.set(o.split(':')[0] ?? o, o);
  for (const o of extra?.options ?? []) if (o.name) opts.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  return { servers: [...new Set(servers)], searches: [...new Set(searches)].slice(0, 32), options: [...opts.values()] };
}

/**
 * The pod's resolver, as upstream's DNS configurer: ClusterFirst uses the cluster DNS with the
 * namespace search path and `ndots:5` (falling back to the node's resolver when no cluster DNS is
 * configured, as upstream does with a warning); hostNetwork pods use the node's resolver unless
 * ClusterFirstWithHostNet; None takes only `spec.dnsConfig`.
 */
export function podDnsConfig(pod: Pod, dns: DnsSettings): CriDnsConfig {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const hostNet = pod.spec.hostNetwork === true;
  const clusterFirst = dns.clusterDns.length > 0 && (policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !hostNet));
  if (policy === 'None') return merge({ servers: [], searches: [], options: [] }, pod.spec.dnsConfig);
  if (!clusterFirst) return merge(dns.host, pod.spec.dnsConfig);
  const ns = pod.metadata.namespace ?? 'default';
  const d = dns.clusterDomain;
  return merge(
    { servers: [...dns.clusterDns], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...(dns.host.searches ?? [])], options: ['ndots:5'] },
    pod.spec.dnsConfig,
  );
}
