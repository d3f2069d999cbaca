import {
  GATEWAY_COMMAND_TYPES,
  GATEWAY_ERROR_CODES,
  GATEWAY_JSON_MAX_BYTES,
} from '@sapora/protocol';

/** Handler names besides the command types: bytes, and what could not be read at all. */
export const BINARY_MESSAGE = 'binary';
export const INVALID_MESSAGE = 'invalid';

export interface InvalidMessage {
  id?: number;
  code: string;
  message: string;
}

export interface RoutedMessage {
  event: string;
  data: unknown;
}

const COMMANDS = new Set<string>(GATEWAY_COMMAND_TYPES);

function invalid(message: string, id?: number, code: string = GATEWAY_ERROR_CODES.InvalidMessage) {
  const data: InvalidMessage = { code, message, ...(id === undefined ? {} : { id }) };
  return { event: INVALID_MESSAGE, data };
}

function toBuffer(raw: unknown): Buffer | null {
  if (Buffer.isBuffer(raw)) return raw;
  if (raw instanceof ArrayBuffer) return Buffer.from(raw);
  if (Array.isArray(raw) && raw.every((part) => Buffer.isBuffer(part))) return Buffer.concat(raw);
  return null;
}

/**
 * Routes one WebSocket message to a handler: a JSON command to the handler of its type, bytes
 * to the binary handler, and anything unreadable (not JSON, not an object, no known type, too
 * long) to the handler that answers with an error. Never throws: every message gets a route.
 */
export function routeTabMessage(raw: unknown): RoutedMessage {
  if (typeof raw !== 'string') {
    const bytes = toBuffer(raw);
    return bytes === null ? invalid('unreadable message') : { event: BINARY_MESSAGE, data: bytes };
  }
  const length = Buffer.byteLength(raw);
  if (length > GATEWAY_JSON_MAX_BYTES)
    return invalid(
      `a JSON message may be ${GATEWAY_JSON_MAX_BYTES} bytes; this one is ${length}`,
      undefined,
      GATEWAY_ERROR_CODES.MessageTooLarge,
    );
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return invalid('not JSON: a command is a JSON object with a "type"');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return invalid('a command is a JSON object with a "type"');
  const { id, type } = value as { id?: unknown; type?: unknown };
  const knownId =
    typeof id === 'number' && Number.isSafeInteger(id) && id > 0 && id < 2 ** 31 ? id : undefined;
  if (typeof type !== 'string' || !COMMANDS.has(type))
    return invalid(
      `unknown command type ${JSON.stringify(type) ?? 'undefined'}; one of ${GATEWAY_COMMAND_TYPES.join(', ')}`,
      knownId,
    );
  return { event: type, data: value };
}
