import { ErrorCode, HostActionKind } from '../messages/control-messages';
import {
  actionNeedsTarget,
  hostActionLine,
  hostActionRefusal,
  hostAfterLeave,
  joinRefusal,
  longestPresent,
  REMOVED_BAN_MS,
} from './room-rules';

const ann = { participantId: 'a', username: 'Ann', joinedAtMs: 100 };
const ben = { participantId: 'b', username: 'Ben', joinedAtMs: 200 };
const cat = { participantId: 'c', username: 'Cat', joinedAtMs: 300 };

describe('room rules', () => {
  describe('succession', () => {
    it('picks the longest present, ties by id, nobody in an empty room', () => {
      expect(longestPresent([cat, ben, ann])?.username).toBe('Ann');
      expect(longestPresent([{ ...ben, joinedAtMs: 100 }, ann])?.participantId).toBe('a');
      expect(longestPresent([])).toBeNull();
    });

    it('keeps the host when someone else leaves, passes it on when the host leaves', () => {
      expect(hostAfterLeave('b', 'c', [ann, ben])).toBe('b');
      expect(hostAfterLeave('a', 'a', [cat, ben])).toBe('b');
      expect(hostAfterLeave('a', 'a', [])).toBeNull();
      // A host already gone (a lost update) is replaced too.
      expect(hostAfterLeave('x', 'c', [ben, cat])).toBe('b');
    });
  });

  describe('joins', () => {
    const gate = { occupied: true, locked: false, bannedUntilMs: 0, owner: false, nowMs: 1000 };

    it('refuses a locked room and a banned name, until the ban runs out', () => {
      expect(joinRefusal(gate)).toBeNull();
      expect(joinRefusal({ ...gate, locked: true })).toBe('ROOM_LOCKED');
      expect(joinRefusal({ ...gate, bannedUntilMs: 1000 + REMOVED_BAN_MS })).toBe('REMOVED');
      expect(joinRefusal({ ...gate, bannedUntilMs: 999 })).toBeNull();
    });

    it('never refuses the first into an empty room, nor the meeting owner', () => {
      expect(joinRefusal({ ...gate, occupied: false, locked: true, bannedUntilMs: 5000 })).toBe(
        null,
      );
      expect(joinRefusal({ ...gate, owner: true, locked: true, bannedUntilMs: 5000 })).toBeNull();
    });
  });

  describe('host actions', () => {
    const base = {
      actorId: 'a',
      hostId: 'a',
      hostName: 'Ann',
      targetId: 'b',
      targetPresent: true,
    };

    it('lets the host do every action', () => {
      for (const action of Object.values(HostActionKind)) {
        if (typeof action !== 'number' || action === HostActionKind.Unspecified) continue;
        expect(hostActionRefusal({ ...base, action })).toBeNull();
      }
    });

    it('refuses everyone else with NOT_ALLOWED naming the host', () => {
      for (const action of Object.values(HostActionKind)) {
        if (typeof action !== 'number' || action === HostActionKind.Unspecified) continue;
        const refusal = hostActionRefusal({ ...base, action, actorId: 'b', targetId: 'c' });
        expect(refusal?.code).toBe(ErrorCode.NotAllowed);
        expect(refusal?.message).toContain('only the host (Ann)');
      }
    });

    it('lets anyone lower their own hand', () => {
      expect(
        hostActionRefusal({
          ...base,
          action: HostActionKind.LowerHand,
          actorId: 'b',
          targetId: 'b',
        }),
      ).toBeNull();
    });

    it('needs a present target where the action is about someone', () => {
      expect(actionNeedsTarget(HostActionKind.Lock)).toBe(false);
      expect(
        hostActionRefusal({ ...base, action: HostActionKind.Mute, targetPresent: false })?.code,
      ).toBe(ErrorCode.NoSuchParticipant);
      expect(
        hostActionRefusal({ ...base, action: HostActionKind.Remove, targetId: '' })?.code,
      ).toBe(ErrorCode.NoSuchParticipant);
      expect(hostActionRefusal({ ...base, action: HostActionKind.Lock, targetId: '' })).toBeNull();
    });

    it('refuses removing oneself, handing the role to oneself and unknown actions', () => {
      expect(
        hostActionRefusal({ ...base, action: HostActionKind.Remove, targetId: 'a' })?.code,
      ).toBe(ErrorCode.InvalidRequest);
      expect(
        hostActionRefusal({ ...base, action: HostActionKind.MakeHost, targetId: 'a' })?.code,
      ).toBe(ErrorCode.InvalidRequest);
      expect(hostActionRefusal({ ...base, action: 42 as HostActionKind })?.code).toBe(
        ErrorCode.InvalidRequest,
      );
    });

    it('words each action for the chat history', () => {
      expect(hostActionLine(HostActionKind.Mute, 'Ann', 'Ben')).toBe('Ann muted Ben');
      expect(hostActionLine(HostActionKind.EndMeeting, 'Ann', '')).toBe(
        'Ann ended the meeting for everyone',
      );
    });
  });
});
