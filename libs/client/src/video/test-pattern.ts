import { VideoSource } from './video-client';

/**
 * Stand-in frames for bots and tests when no camera or encoder is at hand: each is a valid
 * JPEG envelope (SOI … EOI) around a counter and filler of the given size, so receivers can
 * check order and bytes. Not a picture: a viewer shows it as a broken image.
 */
export function testPatternSource(frameBytes = 20_000, label = 'sapora'): VideoSource {
  let n = 0;
  return {
    next: () => {
      n++;
      const frame = Buffer.alloc(Math.max(frameBytes, 32), n % 251);
      frame.writeUInt16BE(0xffd8, 0);
      frame.write(`${label}:${n}:`, 2, 'ascii');
      frame.writeUInt16BE(0xffd9, frame.length - 2);
      return frame;
    },
  };
}
