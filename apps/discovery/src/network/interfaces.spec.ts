import type { NetworkInterfaceInfo } from 'node:os';
import {
  broadcastAddress,
  defaultBroadcastAddresses,
  defaultControlHost,
  LOOPBACK_BROADCAST,
  LOOPBACK_HOST,
  NetworkInterfaces,
} from './interfaces';

function ipv4(cidr: string, netmask: string, internal = false): NetworkInterfaceInfo {
  const [address] = cidr.split('/');
  return { address, netmask, family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr };
}

function ipv6(address: string): NetworkInterfaceInfo {
  return {
    address,
    netmask: 'ffff:ffff:ffff:ffff::',
    family: 'IPv6',
    mac: '00:00:00:00:00:00',
    internal: false,
    cidr: `${address}/64`,
    scopeid: 2,
  };
}

const loopbackOnly: NetworkInterfaces = {
  lo: [ipv4('127.0.0.1/8', '255.0.0.0', true), { ...ipv6('::1'), internal: true }],
};

describe('network interfaces', () => {
  it('computes the directed broadcast address of a subnet', () => {
    expect(broadcastAddress('192.168.1.23', '255.255.255.0')).toBe('192.168.1.255');
    expect(broadcastAddress('10.1.2.3', '255.0.0.0')).toBe('10.255.255.255');
    expect(broadcastAddress('172.16.5.4', '255.255.240.0')).toBe('172.16.15.255');
    expect(broadcastAddress('192.168.1.130', '255.255.255.192')).toBe('192.168.1.191');
    expect(broadcastAddress('0.0.0.0', '0.0.0.0')).toBe('255.255.255.255');
  });

  it('broadcasts on every external IPv4 subnet once, skipping loopback, IPv6 and /31–/32', () => {
    const interfaces: NetworkInterfaces = {
      ...loopbackOnly,
      eth0: [ipv4('192.168.1.23/24', '255.255.255.0'), ipv6('fe80::1')],
      eth1: [ipv4('10.20.30.40/16', '255.255.0.0'), ipv4('192.168.1.24/24', '255.255.255.0')],
      tun0: [ipv4('10.8.0.6/32', '255.255.255.255')],
      ptp0: [ipv4('10.9.0.0/31', '255.255.255.254')],
      down: undefined,
    };
    expect(defaultBroadcastAddresses(interfaces)).toEqual(['192.168.1.255', '10.20.255.255']);
    expect(defaultControlHost(interfaces)).toBe('192.168.1.23');
  });

  it('falls back to loopback on a machine without a LAN address', () => {
    expect(defaultBroadcastAddresses(loopbackOnly)).toEqual([LOOPBACK_BROADCAST]);
    expect(defaultControlHost(loopbackOnly)).toBe(LOOPBACK_HOST);
    expect(defaultBroadcastAddresses({})).toEqual([LOOPBACK_BROADCAST]);
    expect(defaultBroadcastAddresses({ tun0: [ipv4('10.8.0.6/32', '255.255.255.255')] })).toEqual([
      LOOPBACK_BROADCAST,
    ]);
  });
});
