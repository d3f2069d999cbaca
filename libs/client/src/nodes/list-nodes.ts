import { DEFAULT_PORTS, ErrorCode, MessageType, NodeInfo } from '@sapora/protocol';
import { ControlConnection } from '../control/control-connection';
import { ServerTrust } from '../tls/server-trust';
import { SaporaError } from '../sapora-error';

export type { NodeInfo } from '@sapora/protocol';

/** Where to ask. */
export interface ListNodesOptions {
  /** The control service's host. */
  host: string;
  /** Control service port; 5000 by default. */
  port?: number;
  /** How long to wait for the connection and for the answer (default 5000 ms each). */
  timeoutMs?: number;
  /** How the server is trusted (see ServerTrust); TLS, first key trusted, by default. */
  trust?: ServerTrust;
}

/**
 * The media nodes a deployment runs (audio, video, screen and file services on one host or
 * many): where each is, what it carries and which rooms it serves. Asks control, without joining.
 */
export async function listNodes(options: ListNodesOptions): Promise<NodeInfo[]> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const connection = await ControlConnection.open(
    options.host,
    options.port ?? DEFAULT_PORTS.control,
    timeoutMs,
    undefined,
    options.trust,
  );
  try {
    return await new Promise<NodeInfo[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new SaporaError(ErrorCode.Timeout, `no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      connection.on('frame', (frame) => {
        if (frame.type === MessageType.Nodes) {
          clearTimeout(timer);
          resolve(frame.payload.nodes);
        } else if (frame.type === MessageType.Error) {
          clearTimeout(timer);
          reject(new SaporaError(frame.payload.code, frame.payload.message, frame.payload.fatal));
        }
      });
      connection.on('close', () => {
        clearTimeout(timer);
        reject(new SaporaError(ErrorCode.Unspecified, 'the server closed the connection'));
      });
      connection.send(MessageType.NodesList);
    });
  } finally {
    connection.destroy();
  }
}
