/**
 * The ceiling for the files benchmark: a bare TCP server that moves the same bytes with MD5 at
 * both ends and nothing else (no framing, no Redis, no checks). Run as its own process:
 *   node bare-tcp-copy.js PORT DIR
 * A connection opens with one byte: 'U' then an 8-byte size and the bytes, which it hashes and
 * writes to DIR/upload.bin, answering the 32-char MD5; or 'D', on which it sends an 8-byte size
 * then DIR/download.bin, hashing as it reads.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';

const [port, dir] = process.argv.slice(2);

function receive(socket: Socket, first: Buffer): void {
  const file = createWriteStream(join(dir, 'upload.bin'));
  const hash = createHash('md5');
  let size = -1;
  let received = 0;
  let head = first;
  const take = (bytes: Buffer): void => {
    if (size < 0) {
      head = Buffer.concat([head, bytes]);
      if (head.length < 8) return;
      size = Number(head.readBigUInt64BE(0));
      bytes = head.subarray(8);
    }
    hash.update(bytes);
    received += bytes.length;
    if (!file.write(bytes)) {
      socket.pause();
      file.once('drain', () => socket.resume());
    }
    if (received === size) file.end(() => socket.end(hash.digest('hex')));
  };
  socket.on('data', take);
  take(Buffer.alloc(0));
}

async function send(socket: Socket): Promise<void> {
  const path = join(dir, 'download.bin');
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(statSync(path).size));
  socket.write(size);
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path, {
    highWaterMark: 256 * 1024,
  }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
}

createServer((socket) => {
  socket.on('error', () => socket.destroy());
  socket.once('data', (bytes: Buffer) => {
    if (bytes[0] === 0x55) receive(socket, bytes.subarray(1));
    else void send(socket);
  });
}).listen(Number(port), '127.0.0.1', () => console.log('bare copy listening'));
