import type { WebParticipant } from '@sapora/protocol/gateway';
import {
  cssString,
  emptyHostView,
  hostViewSince,
  participantMarks,
  withRoom,
  withSpeakers,
} from './host-view';

const person = (participantId: string, name: string): WebParticipant => ({
  participantId,
  name,
  muted: false,
  presenting: false,
  joinedAtMs: 0,
});

describe('host view', () => {
  it('marks the host, raised hands in order, mutes by the host, recorders and the speaker', () => {
    const view = withSpeakers(
      withRoom(emptyHostView, {
        type: 'room',
        hostId: 'a',
        locked: true,
        raisedHands: ['c', 'b'],
        mutedBy: { b: 'Ann' },
        recording: ['c'],
      }),
      ['b'],
    );
    expect(view.locked).toBe(true);
    const css = participantMarks(view, [person('a', 'Ann'), person('b', 'Ben'), person('c', 'Cy')]);
    expect(css).toContain('[data-participant="Ann"] .tile-name::after');
    expect(css).toContain('content: " · host"');
    expect(css).toContain('content: " · hand 2 · muted by Ann"');
    expect(css).toContain('content: " · hand 1 · recording"');
    expect(css).toContain('.tile[data-participant="Ben"] { box-shadow');
    expect(css).not.toContain('.tile[data-participant="Ann"] { box-shadow');
  });

  it('starts a view that mounts late from the room and speakers already heard', () => {
    // The gateway sends `room` right behind `joined`: a meeting view mounting after both must
    // still show who is host (alone in the room, nothing else would ever tell it).
    const room = {
      type: 'room' as const,
      hostId: 'me',
      locked: false,
      raisedHands: [],
      mutedBy: {},
      recording: [],
    };
    expect(hostViewSince(emptyHostView, room, undefined).hostId).toBe('me');
    expect(hostViewSince(emptyHostView, room, ['b'])).toEqual({
      ...emptyHostView,
      hostId: 'me',
      speakers: ['b'],
    });
    expect(hostViewSince(emptyHostView, undefined, undefined)).toBe(emptyHostView);
  });

  it('quotes names safely for CSS', () => {
    expect(cssString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(participantMarks(emptyHostView, [person('x', '"}body{')])).toBe('');
  });
});
