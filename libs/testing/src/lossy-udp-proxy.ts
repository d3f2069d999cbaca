import { createSocket, RemoteInfo, Socket } from 'node:dgram';

export interface LossyOptions {
  /** Every n-th datagram is held back and sent after the next one. */
  reorderEvery: number;
  /** Every n-th datagram is sent twice. */
  duplicateEvery: number;
  /** Every n-th datagram is dropped (every n-th packet when `linkMtu` is set). */
  dropEvery: number;
  /**
   * Models IP fragmentation on a link of this MTU (1500 on Ethernet): a datagram larger than
   * one packet travels as several, and it is lost when any of them is.
   */
  linkMtu?: number;
  /** Keep a copy of every datagram each way (`fromClient`, `fromServer`), as a capture would. */
  record?: boolean;
}

/** A proxy that only passes datagrams on, and records them. */
export const RECORD_ONLY: LossyOptions = {
  reorderEvery: Number.MAX_SAFE_INTEGER,
  duplicateEvery: Number.MAX_SAFE_INTEGER,
  dropEvery: Number.MAX_SAFE_INTEGER,
  record: true,
};

/** IPv4 header (20) and UDP header (8): what a datagram adds before the link counts bytes. */
const IP_HEADER_BYTES = 20;
const UDP_HEADER_BYTES = 8;

/** How many IPv4 packets a UDP datagram of this payload becomes on a link of `mtu`. */
export function packetsOnLink(payloadBytes: number, mtu: number): number {
  // Every fragment but the last carries a multiple of 8 bytes of the UDP datagram.
  const perFragment = Math.floor((mtu - IP_HEADER_BYTES) / 8) * 8;
  return Math.max(1, Math.ceil((payloadBytes + UDP_HEADER_BYTES) / perFragment));
}

/**
 * A UDP relay between one client and the server that damages the client's stream on purpose
 * (deterministically, so a failure can be replayed) and passes the server's answers back.
 */
export class LossyProxy {
  /** `received`: datagrams taken from the client; the rest count what was done to them. */
  readonly stats = {
    received: 0,
    forwarded: 0,
    dropped: 0,
    duplicated: 0,
    reordered: 0,
    /** Link packets the received datagrams make (with `linkMtu`; else one per datagram). */
    packets: 0,
  };
  /** With `record`: what the client sent, and what the server sent back, as they came. */
  readonly fromClient: Buffer[] = [];
  readonly fromServer: Buffer[] = [];
  readonly #socket: Socket;
  readonly #serverPort: number;
  readonly #options: LossyOptions;
  #client: RemoteInfo | null = null;
  #held: Buffer | null = null;

  private constructor(socket: Socket, serverPort: number, options: LossyOptions) {
    this.#socket = socket;
    this.#serverPort = serverPort;
    this.#options = options;
    socket.on('message', (bytes, from) => this.#onMessage(bytes, from));
  }

  static async start(serverPort: number, options: LossyOptions): Promise<LossyProxy> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    // Room for bursts of large video datagrams while the process waits for a core: the only
    // losses should be the ones it makes on purpose.
    socket.setRecvBufferSize(4 * 1024 * 1024);
    socket.setSendBufferSize(4 * 1024 * 1024);
    return new LossyProxy(socket, serverPort, options);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Where the client is (null before it has sent anything). */
  get client(): { address: string; port: number } | null {
    return this.#client;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #onMessage(bytes: Buffer, from: RemoteInfo): void {
    if (from.port === this.#serverPort) {
      if (this.#options.record === true) this.fromServer.push(Buffer.from(bytes));
      if (this.#client !== null) this.#socket.send(bytes, this.#client.port, this.#client.address);
      return;
    }
    this.#client = from;
    if (this.#options.record === true) this.fromClient.push(Buffer.from(bytes));
    const n = ++this.stats.received;
    const packets =
      this.#options.linkMtu === undefined ? 1 : packetsOnLink(bytes.length, this.#options.linkMtu);
    const before = this.stats.packets;
    this.stats.packets += packets;
    const dropEvery = this.#options.dropEvery;
    if (Math.floor(this.stats.packets / dropEvery) > Math.floor(before / dropEvery)) {
      this.stats.dropped++;
      return;
    }
    if (this.#held === null && n % this.#options.reorderEvery === 0) {
      this.#held = bytes;
      this.stats.reordered++;
      return;
    }
    this.#send(bytes);
    if (n % this.#options.duplicateEvery === 0) {
      this.#send(bytes);
      this.stats.duplicated++;
    }
    if (this.#held !== null) {
      this.#send(this.#held);
      this.#held = null;
    }
  }

  #send(bytes: Buffer): void {
    this.stats.forwarded++;
    this.#socket.send(bytes, this.#serverPort, '127.0.0.1');
  }
}
