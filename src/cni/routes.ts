/**
 * Routes to other nodes' pod CIDRs. Routes tskube adds carry its own routing protocol number
 * (`proto 0x7a` by default), and only routes with that number are ever replaced or deleted, so
 * routes of an administrator or another program are never touched. One node network per network
 * namespace: two managers sharing a protocol number would delete each other's routes.
 */
import { cidrsOverlap, parseCidr4, parseIpv4, type Cidr4 } from './cidr.js';
import type { CommandRunner } from './types.js';

/** tskube's routing protocol number (`ip route ... proto 122`): unassigned in iproute2's rt_protos. */
export const DEFAULT_ROUTE_PROTOCOL = 0x7a;

export interface PeerRoute {
  /** The other node's pod CIDR. */
  podCidr: string;
  /** The other node's IP, reachable on a directly connected network. */
  via: string;
}

/** A route of ours as the kernel has it (`via` undefined for a route without a gateway). */
export interface OwnRoute {
  dst: string;
  via: string | undefined;
}

export interface RoutePlan {
  add: PeerRoute[];
  replace: PeerRoute[];
  remove: OwnRoute[];
}

export interface RouteChanges extends RoutePlan {
  /** Failed steps; empty when all applied. */
  errors: Error[];
}

export function validateRouteProtocol(p: number): number {
  if (!Number.isInteger(p) || p < 5 || p > 255) throw new RangeError(`routeProtocol: ${p} must be an integer in 5..255 (0-4 are the kernel's)`);
  return p;
}

/**
 * Normalizes and checks peer routes: CIDRs parse, gateways are IPv4, no CIDR appears twice or
 * overlaps another or this node's own pod CIDR. RangeError naming the entry. Pure.
 */
export function validatePeerRoutes(peers: readonly PeerRoute[], own: Cidr4): PeerRoute[] {
  const seen: Cidr4[] = [];
  return peers.map((p, i) => {
    const field = `peers[${i}]`;
    const cidr = parseCidr4(p.podCidr, `${field}.podCidr`);
    const via = parseIpv4(p.via, `${field}.via`);
    if (cidrsOverlap(cidr, own)) throw new RangeError(`${field}.podCidr: ${cidr.text} overlaps this node's pod CIDR ${own.text}`);
    const clash = seen.find((c) => cidrsOverlap(c, cidr));
    if (clash) throw new RangeError(`${field}.podCidr: ${cidr.text} overlaps ${clash.text} given earlier`);
    seen.push(cidr);
    return { podCidr: cidr.text, via };
  });
}

/** What to do to turn `existing` (our routes in the kernel) into `desired`. Pure. */
export function planPeerRoutes(desired: readonly PeerRoute[], existing: readonly OwnRoute[]): RoutePlan {
  const have = new Map(existing.map((r) => [r.dst, r]));
  const want = new Set(desired.map((d) => d.podCidr));
  const plan: RoutePlan = { add: [], replace: [], remove: [] };
  for (const d of desired) {
    const cur = have.get(d.podCidr);
    if (!cur) plan.add.push(d);
    else if (cur.via !== d.via) plan.replace.push(d);
  }
  for (const r of existing) if (!want.has(r.dst)) plan.remove.push(r);
  return plan;
}

/** Our routes in the main table. `ip` prints a /32 without its prefix; we add it back. */
export async function listOwnRoutes(exec: CommandRunner, proto: number, signal?: AbortSignal): Promise<OwnRoute[]> {
  const { stdout } = await exec('ip', ['-j', '-4', 'route', 'show', 'table', 'main', 'proto', String(proto)], signal ? { signal } : {});
  const rows = JSON.parse(stdout || '[]') as Array<{ dst?: string; gateway?: string }>;
  return rows
    .filter((r): r is { dst: string; gateway?: string } => typeof r.dst === 'string' && r.dst !== 'default')
    .map((r) => ({ dst: r.dst.includes('/') ? r.dst : `${r.dst}/32`, via: r.gateway }));
}

/**
 * Applies a plan: `add` for missing routes (fails, naming the route, if a route to that CIDR exists
 * that is not ours), `replace` for ours with a changed gateway, `del ... proto N` for stale ones
 * (the kernel matches the protocol, so a foreign route with the same destination survives). Tries
 * every step; failures are returned in `errors`.
 */
export async function applyRoutePlan(exec: CommandRunner, proto: number, plan: RoutePlan, signal?: AbortSignal): Promise<RouteChanges> {
  const errors: Error[] = [];
  const opts = signal ? { signal } : {};
  const step = async (what: string, args: string[]): Promise<void> => {
    try {
      await exec('ip', args, opts);
    } catch (err) {
      errors.push(new Error(`${what} failed: ${(err as Error).message}`, { cause: err }));
    }
  };
  const p = String(proto);
  for (const r of plan.remove) await step(`deleting route ${r.dst}`, ['route', 'del', r.dst, 'proto', p]);
  for (const r of plan.replace) await step(`replacing route ${r.podCidr} via ${r.via}`, ['route', 'replace', r.podCidr, 'via', r.via, 'proto', p]);
  for (const r of plan.add) await step(`adding route ${r.podCidr} via ${r.via}`, ['route', 'add', r.podCidr, 'via', r.via, 'proto', p]);
  return { ...plan, errors };
}
