import { formatHostPort, parseHostPort } from './server-address';

describe('server addresses', () => {
  it('reads a host with or without a port, IPv6 in brackets', () => {
    expect(parseHostPort('10.0.0.5', 5000)).toEqual({ host: '10.0.0.5', port: 5000 });
    expect(parseHostPort(' sapora.lan:5100 ', 5000)).toEqual({ host: 'sapora.lan', port: 5100 });
    expect(parseHostPort('[fe80::1]:5000', 1)).toEqual({ host: 'fe80::1', port: 5000 });
    expect(formatHostPort({ host: 'fe80::1', port: 5000 })).toBe('[fe80::1]:5000');
    expect(formatHostPort({ host: '10.0.0.5', port: 5000 })).toBe('10.0.0.5:5000');
  });

  it('refuses what is not an address', () => {
    for (const text of ['', 'a b', 'host:0', 'host:70000', 'fe80::1', 'http://x', 'x:y'])
      expect(() => parseHostPort(text, 5000)).toThrow(/is not a server address/);
  });
});
