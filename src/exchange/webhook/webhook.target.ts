import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { BadUserInputError } from "../../shared/errors";

export const MAX_URL_LENGTH = 2_000;

/** Loopback, private, link-local and unspecified ranges (SEMANTICS.md, "Webhooks"). */
const privateRanges = new BlockList();
privateRanges.addSubnet("127.0.0.0", 8, "ipv4"); // loopback
privateRanges.addSubnet("10.0.0.0", 8, "ipv4");
privateRanges.addSubnet("172.16.0.0", 12, "ipv4");
privateRanges.addSubnet("192.168.0.0", 16, "ipv4");
privateRanges.addSubnet("169.254.0.0", 16, "ipv4"); // link-local
privateRanges.addSubnet("0.0.0.0", 8, "ipv4"); // unspecified ("this network")
privateRanges.addAddress("::1", "ipv6");
privateRanges.addAddress("::", "ipv6");
privateRanges.addSubnet("fc00::", 7, "ipv6");
privateRanges.addSubnet("fe80::", 10, "ipv6");

/** The IPv4 address an IPv4-mapped IPv6 address (::ffff:a.b.c.d, or its hex form) stands for. */
function mappedIPv4(address: string): string | null {
  const m = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(address);
  if (!m) return null;
  const rest = m[1]!;
  if (isIP(rest) === 4) return rest;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(rest);
  if (!hex) return null;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True for an address a webhook may not target. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return privateRanges.check(bare, "ipv4");
  if (family === 6) {
    const v4 = mappedIPv4(bare);
    return v4 !== null ? privateRanges.check(v4, "ipv4") : privateRanges.check(bare, "ipv6");
  }
  return false;
}

/** A target refused because it is, or resolves to, a private address. */
export class PrivateTargetError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(host === address ? `refused: ${host} is a private address` : `refused: ${host} resolves to a private address (${address})`);
  }
}

/** The URL's shape: absolute http(s), at most 2,000 characters, no user or password. */
export function parseWebhookUrl(url: string): URL {
  if (url.length > MAX_URL_LENGTH) throw new BadUserInputError(`"url" must be at most ${MAX_URL_LENGTH} characters`, { argument: "url" });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BadUserInputError(`"url" must be an absolute http: or https: URL`, { argument: "url" });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new BadUserInputError(`"url" must be an absolute http: or https: URL`, { argument: "url" });
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new BadUserInputError(`"url" must not contain a user or password`, { argument: "url" });
  }
  if (!parsed.hostname) throw new BadUserInputError(`"url" must name a host`, { argument: "url" });
  return parsed;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, "");

/** Every address `host` resolves to (empty when it does not resolve). */
function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve) => dnsLookup(host, { all: true }, (error, addresses) => resolve(error ? [] : addresses)));
}

/**
 * Refuses a target that is, or resolves to, a private address (BAD_USER_INPUT).
 * A name that does not resolve now is let through: it is checked again at
 * each delivery, which fails while it does not resolve.
 */
export async function assertPublicTarget(url: URL): Promise<void> {
  const host = hostOf(url);
  const addresses = isIP(host) ? [host] : (await resolveAll(host)).map((a) => a.address);
  const bad = addresses.find(isPrivateAddress);
  if (bad) throw new BadUserInputError(new PrivateTargetError(host, bad).message, { argument: "url" });
}

/** The target's own address when its host is an IP literal that may not be targeted. */
export function literalPrivateAddress(url: URL): string | null {
  const host = hostOf(url);
  return isIP(host) && isPrivateAddress(host) ? host : null;
}

/**
 * A DNS lookup for outgoing deliveries that fails on any private address:
 * the check is made on the addresses the connection will use, so a name
 * that changes what it resolves to after the webhook was created is caught.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, "", 0);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(Object.assign(new PrivateTargetError(hostname, bad.address), { code: "EPRIVATE" }), "", 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} did not resolve`), { code: "ENOTFOUND" }), "", 0);
    callback(null, first.address, first.family);
  });
};
