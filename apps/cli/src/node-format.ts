import { NodeInfo } from '@sapora/client';

const KIND_ORDER = ['audio', 'video', 'screen', 'files'];

/** `sapora nodes` for people: one line per node, by kind, then what it serves. */
export function formatNodes(nodes: NodeInfo[], nowMs = Date.now()): string {
  if (nodes.length === 0)
    return 'No media nodes are registered (are the audio, video, screen and files services running?).';
  const sorted = [...nodes].sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.nodeId.localeCompare(b.nodeId),
  );
  const lines = sorted.map((node) => {
    const where = `${node.host || '(control host)'}:${node.port}`;
    const load = `${node.participants}/${node.capacity} participants, ${node.rooms.length} room${node.rooms.length === 1 ? '' : 's'}, ${(node.cpuPermille / 10).toFixed(1)}% CPU`;
    const state = node.draining ? ' DRAINING' : '';
    const seen = Math.max(0, Math.round((nowMs - node.renewedAtMs) / 1000));
    const rooms = node.rooms.length > 0 ? `\n      rooms: ${node.rooms.join(', ')}` : '';
    return `  ${node.kind.padEnd(6)} ${node.nodeId.slice(0, 8)}  ${where.padEnd(21)} ${load}${state} (renewed ${seen} s ago)${rooms}`;
  });
  return [`${nodes.length} media node${nodes.length === 1 ? '' : 's'}:`, ...lines].join('\n');
}
