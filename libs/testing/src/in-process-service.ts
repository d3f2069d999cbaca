import { AddressInfo } from 'node:net';

export interface StartedService {
  app: { close(): Promise<void> };
  address: AddressInfo;
}

/** A service running inside the test process, on an ephemeral port it keeps across restarts. */
export interface InProcessService<T extends StartedService> {
  readonly port: number;
  readonly current: T;
  /** Closes the service the way SIGTERM would (clients are told, Redis is closed). */
  stop(): Promise<void>;
  /** Stops it (if running) and starts a new instance on the same port. */
  restart(): Promise<T>;
}

/**
 * Starts a service through its own factory. The factory gets the port to listen on: 0 the
 * first time (the kernel picks), then the port it got, so clients can reconnect after a restart.
 */
export async function startInProcess<T extends StartedService>(
  start: (port: number) => Promise<T>,
): Promise<InProcessService<T>> {
  let current: T | null = await start(0);
  const port = current.address.port;
  const stop = async (): Promise<void> => {
    const running = current;
    current = null;
    if (running !== null) await running.app.close();
  };
  return {
    port,
    get current(): T {
      if (current === null) throw new Error('service is stopped');
      return current;
    },
    stop,
    async restart(): Promise<T> {
      await stop();
      current = await start(port);
      return current;
    },
  };
}
