import { formatReport, StreamTally, summarise } from './load-report';

const tally = (over: Partial<StreamTally>): StreamTally => ({
  kind: 'audio',
  node: '10.0.0.2:6001',
  sent: 100,
  received: 100,
  expected: 100,
  latenciesMs: [],
  ...over,
});

describe('summarise', () => {
  it('adds up each kind over all nodes and per node, with loss and latency percentiles', () => {
    const lines = summarise([
      tally({ received: 90, latenciesMs: [10, 30] }),
      tally({ node: '10.0.0.3:6001', latenciesMs: [20] }),
      tally({ kind: 'video', node: '10.0.0.2:6000', sent: 50, received: 40, expected: 50 }),
    ]);
    expect(lines).toEqual([
      {
        kind: 'audio',
        node: 'all',
        participants: 2,
        sent: 200,
        received: 190,
        lossPct: 5,
        latencyP50Ms: 20,
        latencyP99Ms: 30,
      },
      expect.objectContaining({ node: '10.0.0.2:6001', participants: 1, lossPct: 10 }),
      expect.objectContaining({ node: '10.0.0.3:6001', lossPct: 0, latencyP50Ms: 20 }),
      expect.objectContaining({ kind: 'video', node: 'all', lossPct: 20, latencyP50Ms: null }),
      expect.objectContaining({ kind: 'video', node: '10.0.0.2:6000' }),
    ]);
  });

  it('counts more arriving than expected (a duplicate) as no loss, and nothing expected as none', () => {
    const [line] = summarise([tally({ received: 120 }), tally({ received: 0, expected: 0 })]);
    expect(line.lossPct).toBe(0);
  });
});

describe('formatReport', () => {
  it('prints one aligned row per line', () => {
    const text = formatReport(summarise([tally({ latenciesMs: [12.25] })]));
    expect(text.split('\n')).toEqual([
      'kind   node           participants  sent  received    loss      p50      p99',
      'audio  all                       1   100       100  0.00 %  12.3 ms  12.3 ms',
      'audio  10.0.0.2:6001             1   100       100  0.00 %  12.3 ms  12.3 ms',
    ]);
  });
});
