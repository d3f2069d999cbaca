import { createCipheriv, createHmac } from 'node:crypto';
import {
  BinaryKind,
  deriveMediaKey,
  deriveMediaKeyBytes,
  openSealedDatagram,
  ReplayWindow,
  DeliveryStatus,
  encodeBinaryMessage,
  encodeAnnouncement,
  encodeFrame,
  encodePayload,
  ErrorCode,
  HostActionKind,
  MessageType,
  Participant,
  participantIdToUuidBytes,
  ParticipantList,
  ScreenRole,
} from '../index';

/** The hex examples of docs/PROTOCOL.md, encoded by the real code. */
const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
const token = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

describe('docs/PROTOCOL.md examples', () => {
  it('join: REGISTER', () => {
    const frame = encodeFrame(
      MessageType.Register,
      1,
      encodePayload(MessageType.Register, { username: 'alice', meetingId: 'standup' }),
    );
    expect(hex(frame)).toBe(
      '01 01 00 00 00 10 00 00 00 01 0a 05 61 6c 69 63 65 12 07 73 74 61 6e 64 75 70',
    );
  });

  it('join: JOINED', () => {
    const payload = encodePayload(MessageType.Joined, {
      participantId: 'p1',
      sessionToken: token,
      meetingId: 'standup',
      username: 'alice',
      participants: {
        meetingId: 'standup',
        participants: [
          // Fields left at their proto3 default are left out of the bytes, as a real server's would be.
          {
            participantId: 'p1',
            username: 'alice',
            ip: '10.0.0.2',
            joinedAtMs: 1795550400000,
          } as Participant,
        ],
      } as ParticipantList,
      heartbeatIntervalMs: 3000,
      idleTimeoutMs: 15000,
      serverTimeMs: 1795550400000,
      audioSampleRate: 44100,
      audioFrameSamples: 512,
    });
    expect(hex(encodeFrame(MessageType.Joined, 1, payload))).toBe(
      '01 05 00 00 00 63 00 00 00 01 0a 02 70 31 12 10 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d ' +
        '0e 0f 1a 07 73 74 61 6e 64 75 70 22 05 61 6c 69 63 65 2a 27 0a 07 73 74 61 6e 64 75 70 12 ' +
        '1c 0a 02 70 31 12 05 61 6c 69 63 65 1a 08 31 30 2e 30 2e 30 2e 32 30 80 9c 93 f9 a0 34 38 ' +
        'b8 17 40 98 75 50 80 9c 93 f9 a0 34 60 c4 d8 02 68 80 04',
    );
  });

  it('JoinReply.video_datagram_bytes (section 16)', () => {
    expect(hex(encodePayload(MessageType.Joined, { videoDatagramBytes: 16384 }))).toBe(
      'f0 01 80 80 01',
    );
  });

  it('JoinReply.media_token (section 7)', () => {
    const mediaToken = Buffer.from('be45cb2605bf36bebde684841a28f0fd', 'hex');
    expect(hex(encodePayload(MessageType.Joined, { mediaToken }))).toBe(
      'fa 01 10 be 45 cb 26 05 bf 36 be bd e6 84 84 1a 28 f0 fd',
    );
  });

  it('heartbeat', () => {
    expect(hex(encodeFrame(MessageType.Heartbeat, 3))).toBe('01 02 00 00 00 00 00 00 00 03');
  });

  it('chat: CHAT_SEND, CHAT_MESSAGE, CHAT_DELIVERY', () => {
    const send = encodeFrame(
      MessageType.ChatSend,
      2,
      encodePayload(MessageType.ChatSend, { to: 'all', text: 'hello' }),
    );
    expect(hex(send)).toBe('01 10 00 00 00 0c 00 00 00 02 0a 03 61 6c 6c 12 05 68 65 6c 6c 6f');
    const message = encodeFrame(
      MessageType.ChatMessage,
      3,
      encodePayload(MessageType.ChatMessage, {
        messageId: 'm1',
        fromId: 'p1',
        from: 'alice',
        text: 'hello',
        sentAtMs: 1795550401000,
      }),
    );
    expect(hex(message)).toBe(
      '01 11 00 00 00 1d 00 00 00 03 0a 02 6d 31 12 02 70 31 1a 05 61 6c 69 63 65 2a 05 68 65 6c ' +
        '6c 6f 30 e8 a3 93 f9 a0 34',
    );
    const delivery = encodeFrame(
      MessageType.ChatDelivery,
      4,
      encodePayload(MessageType.ChatDelivery, {
        requestSequence: 2,
        status: DeliveryStatus.Delivered,
        messageId: 'm1',
        recipients: 2,
      }),
    );
    expect(hex(delivery)).toBe('01 12 00 00 00 0a 00 00 00 04 08 02 10 01 1a 02 6d 31 20 02');
  });

  it('screen: SCREEN_OPEN as a viewer (section 9)', () => {
    const frame = encodeFrame(
      MessageType.ScreenOpen,
      1,
      encodePayload(MessageType.ScreenOpen, { sessionToken: token, role: ScreenRole.Viewer }),
    );
    expect(hex(frame)).toBe(
      '01 30 00 00 00 14 00 00 00 01 0a 10 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 02',
    );
  });

  it('discovery: an announcement (section 10)', () => {
    const datagram = encodeAnnouncement({
      serverId: '00010203-0405-0607-0809-0a0b0c0d0e0f',
      name: 'Aula',
      protocolVersion: 1,
      controlHost: '10.0.0.5',
      controlPort: 5000,
    });
    expect(datagram.length).toBe(38);
    expect(hex(datagram)).toBe(
      '53 41 50 44 01 01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 13 88 ' +
        '04 41 75 6c 61 08 31 30 2e 30 2e 30 2e 35',
    );
  });

  it('encryption in transit: an announcement with the TLS fingerprint, and the TLS_REQUIRED refusal (section 14)', () => {
    const datagram = encodeAnnouncement({
      serverId: '00010203-0405-0607-0809-0a0b0c0d0e0f',
      name: 'Aula',
      protocolVersion: 1,
      controlHost: '10.0.0.5',
      controlPort: 5000,
      fingerprint256: Array.from({ length: 32 }, (_, i) =>
        (0xe0 + i).toString(16).toUpperCase(),
      ).join(':'),
    });
    expect(datagram.length).toBe(71);
    expect(hex(datagram)).toBe(
      '53 41 50 44 02 01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 13 88 ' +
        '04 41 75 6c 61 08 31 30 2e 30 2e 30 2e 35 ' +
        '20 e0 e1 e2 e3 e4 e5 e6 e7 e8 e9 ea eb ec ed ee ef f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff',
    );
    const refusal = encodeFrame(
      MessageType.Error,
      0,
      encodePayload(MessageType.Error, {
        code: ErrorCode.TlsRequired,
        message: 'TLS only',
        fatal: true,
      }),
    );
    expect(hex(refusal)).toBe(
      '01 0f 00 00 00 0e 00 00 00 00 08 20 12 08 54 4c 53 20 6f 6e 6c 79 20 01',
    );
  });

  it('scheduler: MEETINGS_LIST, MEETING_CREATE, MEETING_UPDATE, MEETING_DELETE (section 11)', () => {
    const owner = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    expect(hex(encodeFrame(MessageType.MeetingsList, 1))).toBe('01 50 00 00 00 00 00 00 00 01');
    const create = encodeFrame(
      MessageType.MeetingCreate,
      2,
      encodePayload(MessageType.MeetingCreate, {
        meetingId: 'standup',
        title: 'Standup',
        startsAt: '2026-11-26T10:00+01:00',
        durationMinutes: 15,
        username: 'Ann',
      }),
    );
    expect(hex(create)).toBe(
      '01 52 00 00 00 31 00 00 00 02 0a 07 73 74 61 6e 64 75 70 12 07 53 74 61 6e 64 75 70 ' +
        '1a 16 32 30 32 36 2d 31 31 2d 32 36 54 31 30 3a 30 30 2b 30 31 3a 30 30 20 0f 2a 03 41 6e 6e',
    );
    const update = encodeFrame(
      MessageType.MeetingUpdate,
      3,
      encodePayload(MessageType.MeetingUpdate, {
        meetingId: 'standup',
        ownerToken: owner,
        durationMinutes: 30,
      }),
    );
    expect(hex(update)).toBe(
      '01 53 00 00 00 1d 00 00 00 03 0a 07 73 74 61 6e 64 75 70 ' +
        '12 10 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 28 1e',
    );
    const remove = encodeFrame(
      MessageType.MeetingDelete,
      4,
      encodePayload(MessageType.MeetingDelete, { meetingId: 'standup', ownerToken: owner }),
    );
    expect(hex(remove)).toBe(
      '01 54 00 00 00 1b 00 00 00 04 0a 07 73 74 61 6e 64 75 70 ' +
        '12 10 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff',
    );
  });

  it('running a meeting: HOST_ACTION, HOST_ACTION_DONE, RAISE_HAND, SPEAKERS, DISCONNECT code (section 15)', () => {
    expect(
      hex(
        encodeFrame(
          MessageType.HostAction,
          5,
          encodePayload(MessageType.HostAction, {
            action: HostActionKind.Mute,
            participantId: 'p2',
          }),
        ),
      ),
    ).toBe('01 70 00 00 00 06 00 00 00 05 08 01 12 02 70 32');
    expect(
      hex(
        encodeFrame(
          MessageType.HostActionDone,
          5,
          encodePayload(MessageType.HostActionDone, {
            requestSequence: 5,
            action: HostActionKind.Mute,
            participantId: 'p2',
          }),
        ),
      ),
    ).toBe('01 71 00 00 00 08 00 00 00 05 08 05 10 01 1a 02 70 32');
    expect(
      hex(
        encodeFrame(
          MessageType.RaiseHand,
          6,
          encodePayload(MessageType.RaiseHand, { raised: true }),
        ),
      ),
    ).toBe('01 72 00 00 00 02 00 00 00 06 08 01');
    expect(
      hex(
        encodeFrame(
          MessageType.Speakers,
          7,
          encodePayload(MessageType.Speakers, {
            meetingId: 'standup',
            participantIds: ['p2'],
            atMs: 1795550400000,
          }),
        ),
      ),
    ).toBe(
      '01 73 00 00 00 14 00 00 00 07 0a 07 73 74 61 6e 64 75 70 12 02 70 32 18 80 9c 93 f9 a0 34',
    );
    expect(
      hex(
        encodeFrame(
          MessageType.Disconnect,
          8,
          encodePayload(MessageType.Disconnect, { reason: 'removed', code: ErrorCode.Removed }),
        ),
      ),
    ).toBe('01 04 00 00 00 0c 00 00 00 08 0a 07 72 65 6d 6f 76 65 64 a0 01 1b');
  });

  it('gateway: a FILE_CHUNK binary message', () => {
    expect(hex(encodeBinaryMessage(BinaryKind.FileChunk, 1, Buffer.from('hello')))).toBe(
      '01 00 00 00 01 68 65 6c 6c 6f',
    );
  });

  it('gateway: MIC_FRAME, MIX_FRAME and VIDEO_FRAME headers', () => {
    const mic = encodeBinaryMessage(BinaryKind.MicFrame, 1, new Uint8Array(1024));
    expect(mic.length).toBe(5 + 1024);
    expect(hex(mic.subarray(0, 5))).toBe('04 00 00 00 01');
    expect(hex(encodeBinaryMessage(BinaryKind.MixFrame, 666, new Uint8Array(0)))).toBe(
      '05 00 00 02 9a',
    );
    const sender = participantIdToUuidBytes('6f1c0a2e-55aa-4b3c-9d8e-0123456789ab');
    const video = encodeBinaryMessage(
      BinaryKind.VideoFrame,
      42,
      Uint8Array.of(...sender, 0xff, 0xd8),
    );
    expect(hex(video)).toBe('07 00 00 00 2a 6f 1c 0a 2e 55 aa 4b 3c 9d 8e 01 23 45 67 89 ab ff d8');
  });

  it("sealed media (section 14): the derived keys, and the sealed AUDIO datagram opening to section 7's", () => {
    const roomKey = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    // The derivation as the text gives it, computed here on its own.
    const derive = (text: string): string =>
      hex(createHmac('sha256', roomKey).update(text, 'ascii').digest().subarray(0, 16));
    expect(derive('sapora audio down')).toBe('d1 2f c5 04 a2 30 ab fd f0 6d fb e6 d0 cb d4 1c');
    expect(derive('sapora video down')).toBe('d0 07 e8 64 ec 58 be 15 62 33 e3 bc 86 79 07 ba');
    expect(derive('sapora audio up')).toBe('ce 69 f6 8d 0a 0f b2 17 06 64 0f c5 ca 9e ec 0e');
    expect(hex(deriveMediaKeyBytes(roomKey, 'audio', 'down'))).toBe(derive('sapora audio down'));
    const sealed = Buffer.from(
      (
        '02 01 00 03 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 01 02 03 04 0a 0b 0c 0d ' +
        '01 02 03 04 00 06 3e 4b 5c 6d 7e 8f ' +
        'c0 0e 35 b3 ' +
        '05 cd de cf ce 7e 74 40 b8 9a e6 b2 23 04 d1 07'
      ).replace(/ /g, ''),
      'hex',
    );
    const opened = openSealedDatagram(
      Buffer.from(sealed), // opened in place: the bytes below are checked again
      deriveMediaKey(roomKey, 'audio', 'down'),
      new ReplayWindow(),
    );
    expect(opened && hex(opened)).toBe(
      '01 01 00 00 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 01 02 03 04 0a 0b 0c 0d 01 00 fe ff',
    );
    // The same bytes sealed independently (node:crypto, the nonce and AAD as the text says).
    const cipher = createCipheriv(
      'aes-128-gcm',
      deriveMediaKeyBytes(roomKey, 'audio', 'down'),
      sealed.subarray(28, 40),
    );
    cipher.setAAD(sealed.subarray(0, 40));
    const body = Buffer.concat([cipher.update(Buffer.from('0100feff', 'hex')), cipher.final()]);
    expect(hex(Buffer.concat([body, cipher.getAuthTag()]))).toBe(hex(sealed.subarray(40)));
    expect(hex(encodePayload(MessageType.RoomMediaKey, { key: roomKey, epoch: 3 }))).toBe(
      '0a 10 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 03',
    );
  });
});
