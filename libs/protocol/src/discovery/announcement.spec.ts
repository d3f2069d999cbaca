import {
  Announcement,
  ANNOUNCEMENT_MAX_BYTES,
  AnnouncementError,
  decodeAnnouncement,
  encodeAnnouncement,
} from './announcement';

const announcement: Announcement = {
  serverId: '00010203-0405-0607-0809-0a0b0c0d0e0f',
  name: 'Aula',
  protocolVersion: 1,
  controlHost: '10.0.0.5',
  controlPort: 5000,
};

const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

describe('discovery announcement', () => {
  it('lays out the datagram byte by byte', () => {
    expect(encodeAnnouncement(announcement).toString('hex')).toBe(
      '53415044' + // "SAPD"
        '01' + // format version
        '01' + // protocol version
        '000102030405060708090a0b0c0d0e0f' + // server id
        '1388' + // control port 5000
        '04' +
        hex('Aula') +
        '08' +
        hex('10.0.0.5'),
    );
  });

  it('carries the TLS fingerprint in format 2', () => {
    const fingerprint256 = Array.from({ length: 32 }, (_, i) =>
      i.toString(16).padStart(2, '0').toUpperCase(),
    ).join(':');
    const bytes = encodeAnnouncement({ ...announcement, fingerprint256 });
    expect(bytes.toString('hex')).toBe(
      encodeAnnouncement(announcement)
        .toString('hex')
        .replace(/^5341504401/, '5341504402') +
        '20' + // fingerprint length 32
        '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    );
    expect(decodeAnnouncement(bytes)).toEqual({ ...announcement, fingerprint256 });
    expect(() => decodeAnnouncement(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
    const shortLength = Buffer.from(bytes);
    shortLength[bytes.length - 33] = 31;
    expect(() => decodeAnnouncement(shortLength)).toThrow('fingerprint of 31 bytes, not 32');
    expect(() => decodeAnnouncement(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(
      /extra bytes/,
    );
    expect(() => encodeAnnouncement({ ...announcement, fingerprint256: 'AB:CD' })).toThrow(
      /is not 32 bytes/,
    );
  });

  it('round-trips every field, multi-byte names and the longest fields included', () => {
    expect(decodeAnnouncement(encodeAnnouncement(announcement))).toEqual(announcement);
    const longest: Announcement = {
      serverId: 'ffffffff-ffff-4fff-bfff-ffffffffffff',
      name: 'ü'.repeat(32),
      protocolVersion: 255,
      controlHost: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`,
      controlPort: 65535,
      fingerprint256: Array(32).fill('FF').join(':'),
    };
    const bytes = encodeAnnouncement(longest);
    expect(bytes.length).toBe(ANNOUNCEMENT_MAX_BYTES);
    expect(decodeAnnouncement(bytes)).toEqual(longest);
  });

  it('decodes from a view into a larger buffer', () => {
    const bytes = encodeAnnouncement(announcement);
    const larger = Buffer.concat([Buffer.from('xx'), bytes, Buffer.from('yy')]);
    expect(decodeAnnouncement(larger.subarray(2, 2 + bytes.length))).toEqual(announcement);
  });

  it('refuses to encode fields a listener would reject', () => {
    const encode = (change: Partial<Announcement>) => () =>
      encodeAnnouncement({ ...announcement, ...change });
    expect(encode({ name: 'x'.repeat(65) })).toThrow('server name of 65 bytes is over 64');
    expect(encode({ name: 'é'.repeat(33) })).toThrow('server name of 66 bytes is over 64');
    expect(encode({ name: '' })).toThrow('server name is empty');
    expect(encode({ name: 'a\x1b[2Jb' })).toThrow('control characters');
    expect(encode({ controlHost: 'x'.repeat(254) })).toThrow('over 253');
    expect(encode({ controlHost: 'my host' })).toThrow('not printable ASCII');
    expect(encode({ controlPort: 0 })).toThrow('control port 0');
    expect(encode({ controlPort: 70000 })).toThrow('control port 70000');
    expect(encode({ protocolVersion: 256 })).toThrow('protocol version 256');
    expect(encode({ serverId: 'abc' })).toThrow('not a UUID');
  });

  describe('rejects', () => {
    const good = encodeAnnouncement(announcement);
    const changed = (offset: number, byte: number): Buffer => {
      const bytes = Buffer.from(good);
      bytes[offset] = byte;
      return bytes;
    };
    const rejection = (bytes: Uint8Array): string => {
      try {
        decodeAnnouncement(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(AnnouncementError);
        return (error as Error).message;
      }
      throw new Error('decoded');
    };

    it('a datagram without the magic', () => {
      expect(rejection(Buffer.from('HTTP/1.1 200 OK'))).toBe(
        'not a Sapora announcement: starts with 48545450, not "SAPD"',
      );
      expect(rejection(changed(0, 0x73))).toMatch(/^not a Sapora announcement/);
      expect(rejection(Buffer.alloc(0))).toBe(
        'not a Sapora announcement: starts with nothing, not "SAPD"',
      );
      expect(rejection(Buffer.from('SAP'))).toMatch(/^not a Sapora announcement/);
    });

    it('another format version', () => {
      expect(rejection(changed(4, 3))).toBe('unsupported announcement format version 3');
    });

    it('every truncation', () => {
      for (let length = 4; length < good.length; length++) {
        expect(rejection(good.subarray(0, length))).toMatch(/^announcement truncated: /);
      }
      expect(rejection(good.subarray(0, 10))).toBe('announcement truncated: 10 bytes, needs 28');
    });

    it('bytes after the host', () => {
      expect(rejection(Buffer.concat([good, Buffer.from([0])]))).toBe(
        'extra bytes after the announcement: 1',
      );
    });

    it('a name length the datagram does not hold, or over the limit', () => {
      // The name length byte says 200: the datagram ends long before the host length.
      expect(rejection(changed(24, 200))).toMatch(/^announcement truncated/);
      const oversize = Buffer.concat([
        good.subarray(0, 24),
        Buffer.from([65]),
        Buffer.alloc(65, 0x61),
        Buffer.from([1, 0x68]),
      ]);
      expect(rejection(oversize)).toBe('server name of 65 bytes is over 64');
    });

    it('fields that are empty, not UTF-8 or not printable', () => {
      const withFields = (name: Buffer, host: Buffer): Buffer =>
        Buffer.concat([
          good.subarray(0, 24),
          Buffer.from([name.length]),
          name,
          Buffer.from([host.length]),
          host,
        ]);
      const host = Buffer.from('h');
      expect(rejection(withFields(Buffer.from([0xc3, 0x28]), host))).toBe(
        'server name is not valid UTF-8',
      );
      expect(rejection(withFields(Buffer.from('a\nb'), host))).toBe(
        'server name contains control characters',
      );
      expect(rejection(withFields(Buffer.alloc(0), Buffer.from('hh')))).toBe(
        'server name is empty',
      );
      expect(rejection(withFields(Buffer.from('n'), Buffer.from('ü')))).toMatch(
        /control host "ü" is not printable ASCII/,
      );
      expect(rejection(withFields(Buffer.from('nn'), host).subarray(0, 28))).toBe(
        'announcement truncated: 28 bytes, needs 29',
      );
    });

    it('port 0', () => {
      expect(
        rejection(Buffer.concat([good.subarray(0, 22), Buffer.from([0, 0]), good.subarray(24)])),
      ).toBe('control port 0 is not a port (1..65535)');
    });
  });
});
