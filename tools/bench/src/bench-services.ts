import { ServiceProcess, startListeningService } from '@sapora/testing';

/** Something a benchmark started and stops at the end: a service, or a bare baseline. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** A built TCP service on loopback at `port`, logging only warnings, ready once it accepts. */
export function startTcpService(
  app: string,
  redisUrl: string,
  port: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<ServiceProcess> {
  return startListeningService(
    app,
    redisUrl,
    port,
    { LOG_LEVEL: 'warn', ...env },
    { tcpPort: port, nodeArgs },
  );
}
