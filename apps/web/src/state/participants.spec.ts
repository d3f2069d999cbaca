import type { WebParticipant } from '@sapora/protocol/gateway';
import { hueOf, initials, inJoinOrder, tileLabel } from './participants';

const person = (name: string, joinedAtMs: number): WebParticipant => ({
  participantId: `p-${name}`,
  name,
  muted: false,
  presenting: false,
  joinedAtMs,
});

describe('participants', () => {
  it('orders by joining time, then name', () => {
    const order = inJoinOrder([person('Cy', 3), person('Bo', 1), person('Al', 1)]);
    expect(order.map((p) => p.name)).toEqual(['Al', 'Bo', 'Cy']);
  });

  it('makes initials from the first and last word', () => {
    expect(initials('Ann Lee')).toBe('AL');
    expect(initials('bob')).toBe('B');
    expect(initials('jean-luc van damme')).toBe('JD');
    expect(initials('émile')).toBe('É');
    expect(initials('  ')).toBe('?');
  });

  it('marks one’s own tile and keeps a colour per name', () => {
    expect(tileLabel(person('Ann', 1), 'p-Ann')).toBe('Ann (You)');
    expect(tileLabel(person('Bob', 1), 'p-Ann')).toBe('Bob');
    expect(hueOf('Ann')).toBe(hueOf('ANN'));
    expect(hueOf('Ann')).toBeGreaterThanOrEqual(0);
    expect(hueOf('Ann')).toBeLessThan(360);
  });
});
