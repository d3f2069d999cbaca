import { aesGcmImplementation } from '@sapora/aes-gcm';
import { RemoteInfo } from 'node:dgram';
import { AddressInfo } from 'node:net';
import { Logger } from 'pino';
import { UdpEndpoint, UdpEndpointOptions } from './udp-endpoint';

/** What a datagram service supplies: what to do with each datagram. */
export interface DatagramHandler {
  onDatagram(datagram: Buffer, from: RemoteInfo): void;
  /** Given the edge to send through, once it exists. */
  attach?(edge: DatagramEdge): void;
}

/** At most one log line per this long about datagrams whose handling threw. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * The one place a UDP service meets the wire: every datagram goes to the handler inside a
 * catch, so no datagram can end the process; what threw is counted and logged now and then,
 * and the next datagram is served as usual.
 */
export class DatagramEdge {
  readonly #name: string;
  readonly #logger: Logger;
  readonly #endpoint: UdpEndpoint;
  #address: AddressInfo | null = null;
  #failures = 0;
  #lastFailureLogAt = 0;

  constructor(name: string, options: UdpEndpointOptions, handler: DatagramHandler, logger: Logger) {
    this.#name = name;
    this.#logger = logger;
    this.#endpoint = new UdpEndpoint(options, (datagram, from) => {
      try {
        handler.onDatagram(datagram, from);
      } catch (error) {
        this.#failed(error, from);
      }
    });
  }

  get address(): AddressInfo {
    if (this.#address === null) throw new Error(`${this.#name} is not listening`);
    return this.#address;
  }

  get listening(): boolean {
    return this.#address !== null;
  }

  /** Datagrams whose handling threw (and were dropped). */
  get failures(): number {
    return this.#failures;
  }

  /** Datagrams dropped because the socket's queue was full (a peer or link that cannot keep up). */
  get sendDropped(): number {
    return this.#endpoint.sendDropped;
  }

  send(datagram: Buffer, port: number, address: string): void {
    this.#endpoint.send(datagram, port, address);
  }

  async listen(): Promise<AddressInfo> {
    this.#address = await this.#endpoint.bind();
    const { address, port } = this.#address;
    const sealing = aesGcmImplementation;
    this.#logger.info(
      { host: address, port, sealing: sealing.name },
      `${this.#name} listening on ${address}:${port} (UDP; media sealed through ${sealing.name})`,
    );
    if (sealing.reason !== undefined)
      this.#logger.warn(
        { reason: sealing.reason },
        'media is sealed through node:crypto, several times the CPU per datagram of the OpenSSL binding (build @sapora/aes-gcm where a C compiler is installed)',
      );
    return this.#address;
  }

  async close(): Promise<void> {
    await this.#endpoint.close();
    this.#address = null;
  }

  #failed(error: unknown, from: RemoteInfo): void {
    this.#failures++;
    const now = Date.now();
    if (now - this.#lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) return;
    this.#lastFailureLogAt = now;
    this.#logger.error(
      { err: error, from: `${from.address}:${from.port}`, failures: this.#failures },
      'a datagram could not be handled; dropped it',
    );
  }
}
