/** What the load test sends and checks. */
export type LoadKind = 'audio' | 'video';

/**
 * What one emulated participant counted for one kind of media, and on which node (the
 * `host:port` its session was told). Audio counts datagrams: sent are its own frames, received
 * the mixes it got, expected what their sequence numbers say were sent to it (the mixer numbers
 * each listener's mixes). Video counts whole frames: expected is what the others in its room
 * sent while it listened.
 */
export interface StreamTally {
  kind: LoadKind;
  node: string;
  sent: number;
  received: number;
  expected: number;
  /** Send → receive, ms (audio: a marker frame heard in the mix; video: every frame). */
  latenciesMs: number[];
}

/** One line of the report: a kind, all nodes or one. */
export interface LoadReportLine {
  kind: LoadKind;
  /** `all`, or the node's `host:port`. */
  node: string;
  participants: number;
  sent: number;
  received: number;
  /** Share of what should have arrived that did not, in percent. */
  lossPct: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
}

/** Nearest-rank percentile of sorted values, null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function line(kind: LoadKind, node: string, tallies: StreamTally[]): LoadReportLine {
  const sum = (pick: (tally: StreamTally) => number): number =>
    tallies.reduce((total, tally) => total + pick(tally), 0);
  const received = sum((t) => t.received);
  const expected = sum((t) => t.expected);
  const latencies = tallies.flatMap((t) => t.latenciesMs).sort((a, b) => a - b);
  return {
    kind,
    node,
    participants: tallies.length,
    sent: sum((t) => t.sent),
    received,
    lossPct: expected === 0 ? 0 : (100 * Math.max(expected - received, 0)) / expected,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
  };
}

/** Per kind: a line for all nodes, then one per node (sorted), from every participant's tally. */
export function summarise(tallies: StreamTally[]): LoadReportLine[] {
  const lines: LoadReportLine[] = [];
  for (const kind of ['audio', 'video'] as const) {
    const ofKind = tallies.filter((tally) => tally.kind === kind);
    if (ofKind.length === 0) continue;
    lines.push(line(kind, 'all', ofKind));
    for (const node of [...new Set(ofKind.map((tally) => tally.node))].sort())
      lines.push(
        line(
          kind,
          node,
          ofKind.filter((tally) => tally.node === node),
        ),
      );
  }
  return lines;
}

const COLUMNS = ['kind', 'node', 'participants', 'sent', 'received', 'loss', 'p50', 'p99'];

/** The report as an aligned table (audio counts datagrams, video counts frames). */
export function formatReport(lines: LoadReportLine[]): string {
  const ms = (value: number | null): string => (value === null ? '-' : `${value.toFixed(1)} ms`);
  const rows = [
    COLUMNS,
    ...lines.map((l) => [
      l.kind,
      l.node,
      String(l.participants),
      String(l.sent),
      String(l.received),
      `${l.lossPct.toFixed(2)} %`,
      ms(l.latencyP50Ms),
      ms(l.latencyP99Ms),
    ]),
  ];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))))
    .map((cells) => cells.join('  ').trimEnd())
    .join('\n');
}
