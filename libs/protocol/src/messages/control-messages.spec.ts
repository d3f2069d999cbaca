import {
  decodePayload,
  DeliveryStatus,
  encodePayload,
  ErrorCode,
  MalformedPayloadError,
  MessageType,
} from '../index';

describe('control payloads', () => {
  it('round-trips every control message with all fields', () => {
    const token = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const participant = {
      participantId: 'p1',
      username: 'alice',
      ip: '10.0.0.2',
      muted: true,
      presenting: true,
      joinedAtMs: 1795550400000,
    };
    const message = {
      messageId: 'm1',
      fromId: 'p1',
      from: 'alice',
      to: 'bob',
      text: 'héllo ✓',
      sentAtMs: 1795550400123,
      private: true,
    };
    const cases = [
      [
        MessageType.Register,
        {
          username: 'alice',
          meetingId: 'standup',
          passcode: 'pw',
          resumeToken: token,
          clientName: 'test',
        },
      ],
      [MessageType.UserList, { meetingId: 'standup', participants: [participant] }],
      [MessageType.Disconnect, { reason: 'bye', retry: true }],
      [
        MessageType.Joined,
        {
          participantId: 'p1',
          sessionToken: token,
          meetingId: 'standup',
          username: 'alice',
          participants: { meetingId: 'standup', participants: [participant] },
          history: [message],
          heartbeatIntervalMs: 3000,
          idleTimeoutMs: 15000,
          resumed: true,
          serverTimeMs: 1795550400999,
          files: [
            {
              fileId: 'f1',
              name: 'notes.txt',
              size: 12,
              md5: 'a'.repeat(32),
              sender: 'bob',
              sentAtMs: 5,
              private: true,
            },
          ],
        },
      ],
      [MessageType.ChatSend, { to: 'bob', text: 'hi' }],
      [MessageType.ChatMessage, message],
      [
        MessageType.ChatDelivery,
        {
          requestSequence: 4,
          status: DeliveryStatus.NoSuchUser,
          messageId: 'm',
          recipients: 3,
          to: 'x',
        },
      ],
      [
        MessageType.Error,
        { code: ErrorCode.RateLimited, message: 'slow down', requestSequence: 9, fatal: true },
      ],
    ] as const;
    for (const [type, payload] of cases) {
      expect(decodePayload(type, encodePayload(type, payload))).toEqual(payload);
    }
  });

  it('fills in defaults, numbers for int64 and Buffers for bytes', () => {
    const reply = decodePayload(
      MessageType.Joined,
      encodePayload(MessageType.Joined, { serverTimeMs: 2 ** 40 }),
    );
    expect(reply.serverTimeMs).toBe(2 ** 40);
    expect(reply.history).toEqual([]);
    expect(reply.resumed).toBe(false);
    expect(Buffer.isBuffer(reply.sessionToken)).toBe(true);
    expect(reply.sessionToken.length).toBe(0);
  });

  it('refuses garbage, including a string that runs past the end', () => {
    expect(() =>
      decodePayload(MessageType.ChatSend, Buffer.from([0x12, 0x50, 0x61, 0x62])),
    ).toThrow(MalformedPayloadError);
    expect(() => decodePayload(MessageType.Register, Buffer.from([0xff, 0xff, 0xff]))).toThrow(
      MalformedPayloadError,
    );
  });

  it('refuses a heartbeat that carries a payload', () => {
    expect(() => decodePayload(MessageType.Heartbeat, Buffer.from([1]))).toThrow(
      MalformedPayloadError,
    );
    expect(decodePayload(MessageType.Heartbeat, Buffer.alloc(0))).toEqual({});
  });
});
