/** IPv4 addresses and CIDRs, as the node network needs them. Pure; errors are RangeErrors naming the field. */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr4 {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
  /** Canonical text, e.g. `10.244.1.0/24`. */
  text: string;
}

export function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Parses an IPv4 address; `field` names the option in the RangeError. */
export function parseIpv4(text: string, field: string): string {
  if (isIPv6(text)) throw new RangeError(`${field}: IPv6 (${text}) is not supported yet; give an IPv4 address`);
  if (!isIPv4(text)) throw new RangeError(`${field}: ${JSON.stringify(text)} is not an IPv4 address`);
  return text;
}

/** Parses `a.b.c.d/n` with no host bits set (as Kubernetes pod and cluster CIDRs are). */
export function parseCidr4(text: string, field: string): Cidr4 {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m) throw new RangeError(`${field}: ${JSON.stringify(text)} is not a CIDR (want e.g. 10.244.1.0/24)`);
  const ip = parseIpv4(m[1] ?? '', field);
  const prefix = Number(m[2]);
  if (prefix > 32) throw new RangeError(`${field}: prefix length ${prefix} is over 32 in ${text}`);
  const size = 2 ** (32 - prefix);
  const addr = ipv4ToNumber(ip);
  const base = addr - (addr % size);
  if (base !== addr) {
    throw new RangeError(`${field}: ${text} has host bits set (did you mean ${numberToIpv4(base)}/${prefix}?)`);
  }
  return { base, prefix, text: `${ip}/${prefix}` };
}

function size(c: Cidr4): number {
  return 2 ** (32 - c.prefix);
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr4, inner: Cidr4): boolean {
  return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

export function cidrsOverlap(a: Cidr4, b: Cidr4): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

export function cidrContainsIp(c: Cidr4, ip: string): boolean {
  const n = ipv4ToNumber(ip);
  return n >= c.base && n < c.base + size(c);
}

/** The first host address (host-local's default gateway, the bridge's address). */
export function firstHost(c: Cidr4): string {
  if (c.prefix > 30) throw new RangeError(`${c.text} is too small for a pod network (want /30 or larger)`);
  return numberToIpv4(c.base + 1);
}
