import { MediaKind } from '@sapora/protocol';

/** What a node reports of itself at every renewal (what `sapora nodes` shows). */
export interface NodeLoad {
  rooms: number;
  participants: number;
  /** Share of one core the process used since the last renewal, 0–100+. */
  cpuPercent: number;
}

/** One media service instance, as registered in Redis (RedisKeys.node). */
export interface NodeRecord {
  nodeId: string;
  kind: MediaKind;
  /** Where clients reach it; '' means "the host you reached control at" (single-host setups). */
  host: string;
  port: number;
  /** Most participants it takes, over all its rooms. */
  capacity: number;
  load: NodeLoad;
  /** Shutting down: it takes no new rooms and its rooms are moved elsewhere. */
  draining: boolean;
  startedAtMs: number;
  renewedAtMs: number;
}

/** Where a room's clients find one kind of media service. */
export interface MediaEndpoint {
  kind: MediaKind;
  nodeId: string;
  host: string;
  port: number;
}

export function endpointOf(node: NodeRecord): MediaEndpoint {
  return { kind: node.kind, nodeId: node.nodeId, host: node.host, port: node.port };
}
