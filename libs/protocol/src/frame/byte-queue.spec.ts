import { ByteQueue } from './byte-queue';

describe('ByteQueue', () => {
  it('takes pieces across and within chunks, in order', () => {
    const queue = new ByteQueue();
    queue.push(Buffer.from('abc'));
    queue.push(Buffer.from('defgh'));
    queue.push(Buffer.alloc(0));
    expect(queue.length).toBe(8);
    expect(queue.take(2).toString()).toBe('ab');
    expect(queue.take(4).toString()).toBe('cdef');
    expect(queue.take(0).length).toBe(0);
    expect(queue.take(2).toString()).toBe('gh');
    expect(queue.length).toBe(0);
    expect(() => queue.take(1)).toThrow(RangeError);
  });

  it('trims old chunks but keeps the newest', () => {
    const queue = new ByteQueue();
    ['old1', 'old2', 'newest'].forEach((text) => queue.push(Buffer.from(text)));
    queue.trimTo(6);
    expect(queue.take(queue.length).toString()).toBe('newest');
  });
});
