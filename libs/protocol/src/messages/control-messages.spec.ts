import {
  decodePayload,
  DeliveryStatus,
  encodePayload,
  ErrorCode,
  HostActionKind,
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
      host: true,
      handRaised: true,
      mutedBy: 'bob',
      recording: true,
    };
    const list = {
      meetingId: 'standup',
      participants: [participant],
      hostId: 'p1',
      locked: true,
      raisedHands: ['p1'],
    };
    const message = {
      messageId: 'm1',
      fromId: 'p1',
      from: 'alice',
      to: 'bob',
      text: 'héllo ✓',
      sentAtMs: 1795550400123,
      private: true,
      system: true,
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
          media: ['audio', 'files'],
          ownerToken: token,
          recording: true,
        },
      ],
      [MessageType.UserList, list],
      [MessageType.Disconnect, { reason: 'bye', retry: true, code: ErrorCode.Removed }],
      [
        MessageType.Joined,
        {
          participantId: 'p1',
          sessionToken: token,
          meetingId: 'standup',
          username: 'alice',
          participants: list,
          history: [message],
          heartbeatIntervalMs: 3000,
          idleTimeoutMs: 15000,
          resumed: true,
          serverTimeMs: 1795550400999,
          audioSampleRate: 44100,
          audioFrameSamples: 512,
          files: [
            {
              fileId: 'f1',
              name: 'notes.txt',
              size: 12,
              md5: 'a'.repeat(32),
              sender: 'bob',
              sentAtMs: 5,
              private: true,
              host: '10.0.0.7',
              port: 5002,
            },
          ],
          media: [{ kind: 'audio', host: '10.0.0.7', port: 6001, nodeId: 'n1' }],
          videoDatagramBytes: 8192,
          mediaToken: Buffer.alloc(16, 0xab),
          mediaKey: Buffer.alloc(16, 0xcd),
          roomMediaKey: Buffer.alloc(16, 0xef),
          roomMediaKeyEpoch: 3,
        },
      ],
      [MessageType.MediaMoved, { kind: 'video', host: '', port: 6000, nodeId: 'n2' }],
      [MessageType.RoomMediaKey, { key: Buffer.alloc(16, 0x12), epoch: 4 }],
      [
        MessageType.Nodes,
        {
          nodes: [
            {
              nodeId: 'n1',
              kind: 'audio',
              host: '10.0.0.7',
              port: 6001,
              capacity: 300,
              participants: 12,
              rooms: ['a', 'b'],
              cpuPermille: 125,
              draining: false,
              startedAtMs: 1795550400000,
              renewedAtMs: 1795550401000,
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
      [
        MessageType.HostAction,
        { action: HostActionKind.AllowRejoin, participantId: 'p2', username: 'bob' },
      ],
      [
        MessageType.HostActionDone,
        { requestSequence: 7, action: HostActionKind.Mute, participantId: 'p2' },
      ],
      [MessageType.RaiseHand, { raised: true }],
      [MessageType.Speakers, { meetingId: 'standup', participantIds: ['p2', 'p1'], atMs: 5 }],
    ] as const;
    for (const [type, payload] of cases) {
      expect(decodePayload(type, encodePayload(type, payload as never))).toEqual(payload);
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

  it('refuses text that is not UTF-8 instead of altering it', () => {
    // ChatSend.text (field 2) = c3 28: a lead byte followed by a byte that cannot continue it.
    expect(() =>
      decodePayload(MessageType.ChatSend, Buffer.from([0x12, 0x02, 0xc3, 0x28])),
    ).toThrow(/bad ChatSend payload/);
    // A lone surrogate encoded as UTF-8 (ed a0 80) is not UTF-8 either.
    expect(() =>
      decodePayload(MessageType.ChatSend, Buffer.from([0x12, 0x03, 0xed, 0xa0, 0x80])),
    ).toThrow(MalformedPayloadError);
    expect(decodePayload(MessageType.ChatSend, Buffer.from([0x12, 0x02, 0xc3, 0xa8])).text).toBe(
      'è',
    );
  });

  it('refuses a heartbeat that carries a payload', () => {
    expect(() => decodePayload(MessageType.Heartbeat, Buffer.from([1]))).toThrow(
      MalformedPayloadError,
    );
    expect(decodePayload(MessageType.Heartbeat, Buffer.alloc(0))).toEqual({});
  });
});
