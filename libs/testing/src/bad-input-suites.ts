import { createSocket } from 'node:dgram';
import {
  ControlMessageType,
  ControlPayloads,
  DATAGRAM_HEADER_LENGTH,
  encodeAudioDatagram,
  encodeFrame,
  encodePayload,
  ErrorCode,
  FrameLimits,
  HEADER_LENGTH,
  isRawPayloadType,
  MessageType,
  messageTypeName,
} from '@sapora/protocol';
import { RawFramedClient } from './raw-framed-client';
import { waitFor } from './wait-for';

/** A framed TCP service as its bad-input suite attacks it. */
export interface FramedServiceUnderTest {
  port: () => number;
  /** What the service sends to clients (the raw client decodes by these). */
  answers: FrameLimits;
  /** Every frame type the service accepts. */
  accepts: MessageType[];
  /** A request any peer may send, and the frame type that answers it (an ERROR counts). */
  probe: { type: ControlMessageType; payload?: object; answer: ControlMessageType };
  /** Drives a real client end to end: run after every attack, it must still be served. */
  servesGoodClient: () => Promise<void>;
}

/** Payload bytes no protobuf message decodes: field 15 with wire type 7, which does not exist. */
const NOT_PROTOBUF = Buffer.from([0x7f, 0x01, 0x02]);

/**
 * The bad-input suite every framed TCP service gets: garbage, another version, a huge length,
 * a payload that is not protobuf for every type it accepts, a frame in one-byte writes, and a
 * half frame then silence. Each bad peer gets its ERROR and is closed; after each, a good
 * client is served. The service must run with a short INCOMPLETE_FRAME_TIMEOUT_MS.
 */
export function describeBadFrames(service: string, target: FramedServiceUnderTest): void {
  describe(`${service}: bad frames from the wire`, () => {
    const connect = (): Promise<RawFramedClient> =>
      RawFramedClient.connect(target.port(), target.answers);

    async function expectClosedWith(client: RawFramedClient, codes: ErrorCode[]): Promise<void> {
      const error = await client.next(MessageType.Error, 10_000);
      expect(codes).toContain(error.code);
      expect(error.fatal).toBe(true);
      expect(error.message.length).toBeGreaterThan(0);
      await client.closed;
    }

    afterEach(async () => {
      await target.servesGoodClient();
    }, 30_000);

    it('answers garbage with an error and closes the connection', async () => {
      const client = await connect();
      client.sendBytes(Buffer.from('GET / HTTP/1.1\r\nHost: sapora\r\n\r\n'));
      await expectClosedWith(client, [ErrorCode.UnsupportedVersion, ErrorCode.MalformedFrame]);
    });

    it('refuses another protocol version', async () => {
      const client = await connect();
      const frame = encodeFrame(target.probe.type, 1, encodePayload(target.probe.type, {}));
      frame.writeUInt8(9, 0);
      client.sendBytes(frame);
      await expectClosedWith(client, [ErrorCode.UnsupportedVersion]);
    });

    it('refuses a huge length from the header alone', async () => {
      const client = await connect();
      const header = Buffer.alloc(HEADER_LENGTH);
      header.writeUInt8(1, 0);
      header.writeUInt8(target.accepts[0], 1);
      header.writeUInt32BE(0xffffffff, 2);
      header.writeUInt32BE(1, 6);
      client.sendBytes(header);
      await expectClosedWith(client, [ErrorCode.FrameTooLarge]);
    });

    it('refuses a type it does not accept', async () => {
      const client = await connect();
      client.sendBytes(encodeFrame(0x7e, 1, Buffer.from('??')));
      await expectClosedWith(client, [ErrorCode.UnknownType]);
    });

    const decoded = target.accepts.filter((type) => !isRawPayloadType(type));
    it.each(decoded.map((type) => [messageTypeName(type), type]))(
      'refuses a %s whose payload is not protobuf',
      async (_name, type) => {
        const client = await connect();
        client.sendBytes(encodeFrame(type, 1, NOT_PROTOBUF));
        await expectClosedWith(client, [ErrorCode.MalformedFrame]);
      },
    );

    it('takes a frame written one byte at a time', async () => {
      const client = await connect();
      const { type, payload, answer } = target.probe;
      await client.sendByteByByte(
        encodeFrame(
          type,
          7,
          encodePayload(type, (payload ?? {}) as Partial<ControlPayloads[typeof type]>),
        ),
      );
      const answered = await client.next(answer, 10_000);
      expect(answered).toBeDefined();
      client.close();
    });

    it('closes a connection that leaves a frame half sent', async () => {
      const client = await connect();
      const { type, payload } = target.probe;
      const frame = encodeFrame(
        type,
        1,
        encodePayload(type, (payload ?? {}) as Partial<ControlPayloads[typeof type]>),
      );
      client.sendBytes(frame.subarray(0, Math.max(HEADER_LENGTH - 3, frame.length - 2)));
      await expectClosedWith(client, [ErrorCode.Timeout]);
    });
  });
}

/** A datagram service as its bad-input suite attacks it. */
export interface DatagramServiceUnderTest {
  port: () => number;
  /** The service's own counters: every datagram it received, and why it dropped some. */
  stats: () => { received: number; malformed: number; unauthenticated: number };
  /** Drives real clients end to end: run after every attack, they must still be served. */
  servesGoodClient: () => Promise<void>;
}

/**
 * The bad-input suite every UDP media service gets: garbage, short, truncated, oversize and
 * wrong-version datagrams are counted as malformed, forged tokens as unauthenticated; none is
 * relayed or heard, and afterwards good clients are served as before.
 */
export function describeBadDatagrams(service: string, target: DatagramServiceUnderTest): void {
  describe(`${service}: bad datagrams from the wire`, () => {
    const attacker = createSocket('udp4');

    beforeAll(async () => {
      await new Promise<void>((resolve) => attacker.bind(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => attacker.close(() => resolve()));
    });

    afterEach(async () => {
      await target.servesGoodClient();
    }, 30_000);

    async function send(datagrams: Buffer[]): Promise<void> {
      for (const datagram of datagrams)
        await new Promise<void>((resolve, reject) =>
          attacker.send(datagram, target.port(), '127.0.0.1', (error) =>
            error ? reject(error) : resolve(),
          ),
        );
    }

    async function counted(before: { received: number }, count: number): Promise<void> {
      await waitFor(() => target.stats().received >= before.received + count, {
        timeoutMs: 10_000,
        what: `${service} to receive ${count} datagrams`,
      });
    }

    it('counts garbage, short, truncated, oversize and wrong-version datagrams as malformed', async () => {
      const before = target.stats();
      const valid = encodeAudioDatagram(Buffer.alloc(16, 7), 1, 512, new Int16Array(64));
      const wrongVersion = Buffer.from(valid);
      wrongVersion.writeUInt8(9, 0);
      const unknownKind = Buffer.from(valid);
      unknownKind.writeUInt8(0xee, 1);
      const bad = [
        Buffer.from('GET / HTTP/1.1\r\n\r\n'),
        Buffer.alloc(0),
        Buffer.alloc(1, 1),
        valid.subarray(0, DATAGRAM_HEADER_LENGTH - 1),
        wrongVersion,
        unknownKind,
        Buffer.alloc(60_000, 1),
      ];
      await send(bad);
      await counted(before, bad.length);
      const after = target.stats();
      expect(after.malformed - before.malformed).toBe(bad.length);
      expect(after.unauthenticated).toBe(before.unauthenticated);
    });

    it('counts datagrams with tokens of no live session as unauthenticated', async () => {
      const before = target.stats();
      const forged = Array.from({ length: 50 }, (_, i) =>
        encodeAudioDatagram(Buffer.alloc(16, i + 1), i, 512, new Int16Array(64)),
      );
      await send(forged);
      await counted(before, forged.length);
      const after = target.stats();
      expect(after.unauthenticated - before.unauthenticated).toBe(forged.length);
      expect(after.malformed).toBe(before.malformed);
    });
  });
}
