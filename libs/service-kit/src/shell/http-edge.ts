import { AddressInfo } from 'node:net';

/**
 * Where an HTTP(S) service's Nest application listens, once it does: the shell fills it in
 * after `listen`, and health asks it like any other edge.
 */
export class HttpEdge {
  #address: AddressInfo | null = null;

  constructor(readonly secure: boolean) {}

  get listening(): boolean {
    return this.#address !== null;
  }

  get address(): AddressInfo {
    if (this.#address === null) throw new Error('the HTTP edge is not listening');
    return this.#address;
  }

  /** "https://127.0.0.1:5555/" (brackets around an IPv6 address). */
  get url(): string {
    const { address, port, family } = this.address;
    const host = family === 'IPv6' ? `[${address}]` : address;
    return `${this.secure ? 'https' : 'http'}://${host}:${port}/`;
  }

  listened(address: AddressInfo): void {
    this.#address = address;
  }

  closed(): void {
    this.#address = null;
  }
}
