import { FrameSink, NewestFrameSender } from './newest-frame-sender';

/** A sink that "sends" only when told to, like a viewer that reads when it pleases. */
class SlowSink implements FrameSink {
  readonly written: Buffer[] = [];
  pendingBytes = 0;

  writeEncoded(frame: Buffer): void {
    this.written.push(frame);
    this.pendingBytes += frame.length;
  }

  flush(): void {
    this.pendingBytes = 0;
  }
}

const frame = (n: number): Buffer => Buffer.alloc(100, n);

describe('NewestFrameSender', () => {
  it('sends every frame, in order, to a viewer that keeps up', () => {
    const sink = new SlowSink();
    const sender = new NewestFrameSender(sink, 150);
    for (let n = 0; n < 10; n++) {
      sender.offer(frame(n));
      sink.flush();
    }
    expect(sink.written.map((f) => f[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sender.dropped).toBe(0);
  });

  it('holds only the newest frame for a viewer that stops reading, and sends it when it drains', () => {
    const sink = new SlowSink();
    const sender = new NewestFrameSender(sink, 150);
    for (let n = 0; n < 1000; n++) sender.offer(frame(n));
    // Two fit under the limit (0 and 1 leave 200 pending); everything after waits in one slot.
    expect(sink.written.map((f) => f[0])).toEqual([0, 1]);
    expect(sink.pendingBytes).toBe(200);
    expect(sender.dropped).toBe(997);
    sender.drained();
    expect(sink.written).toHaveLength(2);
    sink.flush();
    sender.drained();
    expect(sink.written.map((f) => f[0])).toEqual([0, 1, 231]);
    expect(sender.sent).toBe(3);
  });

  it('never sends an older frame after a newer one', () => {
    const sink = new SlowSink();
    const sender = new NewestFrameSender(sink, 0);
    sender.offer(frame(1));
    sender.offer(frame(2));
    sink.flush();
    sender.offer(frame(3));
    sender.drained();
    expect(sink.written.map((f) => f[0])).toEqual([1, 3]);
  });
});
