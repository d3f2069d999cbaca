import type { NetworkInterfaceInfo, NetworkInterfaceInfoIPv4 } from 'node:os';

/** What os.networkInterfaces() returns. */
export type NetworkInterfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * With no LAN interface, the limited broadcast 255.255.255.255 fails with ENETUNREACH, so
 * announce on loopback instead: clients on this host still find the server, and it is the
 * only place they could reach it from anyway.
 */
export const LOOPBACK_BROADCAST = '127.255.255.255';
export const LOOPBACK_HOST = '127.0.0.1';

function toNumber(ipv4: string): number {
  return ipv4.split('.').reduce((value, part) => (value << 8) | Number(part), 0) >>> 0;
}

function fromNumber(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** The directed broadcast address of a subnet: the address with every host bit set. */
export function broadcastAddress(address: string, netmask: string): string {
  return fromNumber((toNumber(address) | ~toNumber(netmask)) >>> 0);
}

/** The IPv4 addresses of the machine other than loopback, in interface order. */
export function externalIPv4(interfaces: NetworkInterfaces): NetworkInterfaceInfoIPv4[] {
  return Object.values(interfaces)
    .flatMap((addresses) => addresses ?? [])
    .filter((info): info is NetworkInterfaceInfoIPv4 => info.family === 'IPv4' && !info.internal);
}

/**
 * Where announcements go when DISCOVERY_BROADCAST is not set: the broadcast address of every
 * external IPv4 subnet, once each. /31 and /32 subnets (point-to-point links, VPN tunnels)
 * have no broadcast address and are skipped. With none left, loopback (LOOPBACK_BROADCAST).
 */
export function defaultBroadcastAddresses(interfaces: NetworkInterfaces): string[] {
  const addresses = externalIPv4(interfaces)
    .filter((info) => ~toNumber(info.netmask) >>> 0 > 1)
    .map((info) => broadcastAddress(info.address, info.netmask));
  const unique = [...new Set(addresses)];
  return unique.length > 0 ? unique : [LOOPBACK_BROADCAST];
}

/** The control host announced when CONTROL_PUBLIC_HOST is not set. */
export function defaultControlHost(interfaces: NetworkInterfaces): string {
  return externalIPv4(interfaces)[0]?.address ?? LOOPBACK_HOST;
}
