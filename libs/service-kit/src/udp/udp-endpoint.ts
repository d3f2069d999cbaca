import { createSocket, RemoteInfo, Socket } from 'node:dgram';
import { lookup as dnsLookup, LookupOneOptions } from 'node:dns';
import { AddressInfo, isIP } from 'node:net';

export interface UdpEndpointOptions {
  host: string;
  port: number;
  /** Kernel buffer sizes; a mixer or relay with many peers wants more than the default. */
  receiveBufferBytes?: number;
  sendBufferBytes?: number;
  /**
   * Datagrams waiting in user space (the kernel's send buffer full) past this many bytes: a
   * further datagram is dropped, not queued behind them, so live media never waits on a
   * backlog (8 MB by default).
   */
  maxQueuedBytes?: number;
}

/**
 * Peers are addresses, never names: answering an IP literal at once skips dgram's default
 * lookup, which goes through dns.lookup and a process.nextTick for every datagram sent.
 */
function lookupAddress(
  address: string,
  family: number | LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const version = isIP(address);
  if (version !== 0) callback(null, address, version);
  else dnsLookup(address, family as LookupOneOptions, callback);
}

/**
 * A bound UDP socket for a media service: datagrams in through one callback, out through
 * send(). Errors on send (a peer gone, ICMP unreachable) never throw into the hot path.
 */
export class UdpEndpoint {
  readonly #socket: Socket;
  readonly #options: UdpEndpointOptions;
  readonly #maxQueuedBytes: number;
  #sendErrors = 0;
  #sendDropped = 0;
  #closed = false;

  constructor(
    options: UdpEndpointOptions,
    onDatagram: (datagram: Buffer, from: RemoteInfo) => void,
  ) {
    this.#options = options;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 8 * 1024 * 1024;
    this.#socket = createSocket({
      type: options.host.includes(':') ? 'udp6' : 'udp4',
      reuseAddr: false,
      lookup: lookupAddress,
    });
    this.#socket.on('message', onDatagram);
    this.#socket.on('error', () => this.#sendErrors++);
  }

  get sendErrors(): number {
    return this.#sendErrors;
  }

  /** Datagrams dropped because too much was already waiting to be sent. */
  get sendDropped(): number {
    return this.#sendDropped;
  }

  async bind(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#socket.once('error', reject);
      this.#socket.bind(this.#options.port, this.#options.host, () => {
        this.#socket.off('error', reject);
        resolve();
      });
    });
    if (this.#options.receiveBufferBytes)
      this.#socket.setRecvBufferSize(this.#options.receiveBufferBytes);
    if (this.#options.sendBufferBytes)
      this.#socket.setSendBufferSize(this.#options.sendBufferBytes);
    return this.#socket.address();
  }

  /**
   * One datagram to one peer. No callback (a failure reaches the 'error' count), so nothing is
   * made per datagram here; past maxQueuedBytes waiting, the datagram is dropped and counted.
   */
  send(datagram: Buffer, port: number, address: string): void {
    if (this.#closed) return;
    if (this.#socket.getSendQueueSize() > this.#maxQueuedBytes) {
      this.#sendDropped++;
      return;
    }
    this.#socket.send(datagram, port, address);
  }

  /** Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}
