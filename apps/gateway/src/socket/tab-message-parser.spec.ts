import { GATEWAY_JSON_MAX_BYTES } from '@sapora/protocol';
import { BINARY_MESSAGE, INVALID_MESSAGE, routeTabMessage } from './tab-message-parser';

describe('routeTabMessage', () => {
  it('routes a command by its type and bytes to the binary handler', () => {
    expect(routeTabMessage('{"type":"chat","id":4,"to":"all","text":"hi"}')).toEqual({
      event: 'chat',
      data: { type: 'chat', id: 4, to: 'all', text: 'hi' },
    });
    const bytes = Buffer.from([1, 0, 0, 0, 1, 42]);
    expect(routeTabMessage(bytes)).toEqual({ event: BINARY_MESSAGE, data: bytes });
    expect(routeTabMessage([Buffer.from([1, 2]), Buffer.from([3])]).data).toEqual(
      Buffer.from([1, 2, 3]),
    );
  });

  it('answers garbage with a reason, keeping the id when there is one', () => {
    const cases: [unknown, string][] = [
      ['not json at all', 'not JSON'],
      ['[1,2]', 'a command is a JSON object'],
      ['null', 'a command is a JSON object'],
      ['"join"', 'a command is a JSON object'],
      ['{"id":7}', 'unknown command type undefined'],
      ['{"type":"explode","id":7}', 'unknown command type "explode"'],
      [42, 'unreadable message'],
    ];
    for (const [raw, reason] of cases) {
      const routed = routeTabMessage(raw);
      expect(routed.event).toBe(INVALID_MESSAGE);
      expect(routed.data).toMatchObject({ code: 'InvalidMessage' });
      expect((routed.data as { message: string }).message).toContain(reason);
    }
    expect(routeTabMessage('{"type":"explode","id":7}').data).toMatchObject({ id: 7 });
    expect(routeTabMessage('{"type":"explode","id":-1}').data).not.toHaveProperty('id');
  });

  it('refuses an oversized JSON message before parsing it', () => {
    const huge = JSON.stringify({
      type: 'chat',
      to: 'all',
      text: 'x'.repeat(GATEWAY_JSON_MAX_BYTES),
    });
    expect(routeTabMessage(huge)).toEqual({
      event: INVALID_MESSAGE,
      data: {
        code: 'MessageTooLarge',
        message: `a JSON message may be ${GATEWAY_JSON_MAX_BYTES} bytes; this one is ${huge.length}`,
      },
    });
  });
});
