import { parseServerAddress } from './server-address';

describe('parseServerAddress', () => {
  it.each([
    ['192.168.1.10', { host: '192.168.1.10', port: 5000 }],
    ['192.168.1.10:7000', { host: '192.168.1.10', port: 7000 }],
    ['sapora.lan', { host: 'sapora.lan', port: 5000 }],
    ['[::1]:5005', { host: '::1', port: 5005 }],
    ['[fe80::1]', { host: 'fe80::1', port: 5000 }],
    ['::1', { host: '::1', port: 5000 }],
  ])('reads %s', (text, expected) => {
    expect(parseServerAddress(text)).toEqual(expected);
  });

  it.each(['', 'host:', 'host:99999', 'host:0', 'a:b:c:zz'])(
    'refuses %p with a clear message',
    (text) => {
      expect(() => parseServerAddress(text)).toThrow(/is not a (server address|port)/);
    },
  );
});
