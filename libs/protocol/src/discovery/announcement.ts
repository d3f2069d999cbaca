/**
 * Discovery announcement: one UDP datagram the discovery service broadcasts (port 5001) to
 * say where a server's control service is.
 *
 *   0        4        5        6                 22               24       25          25+N     26+N
 *   +--------+--------+--------+-----------------+----------------+--------+-----------+--------+-----------+
 *   | "SAPD" | format | proto  | server id (16)  | ctl port u16 BE| name N | name (N)  | host H | host (H)  |
 *   +--------+--------+--------+-----------------+----------------+--------+-----------+--------+-----------+
 *
 * format is this layout's version (ANNOUNCEMENT_FORMAT_VERSION); proto is the control
 * protocol's version (PROTOCOL_VERSION), so a client can tell a server it cannot talk to from
 * one it can. The server id is a random UUID's 16 bytes, fixed for the life of the process,
 * so a listener can key servers even when two share a name. The name (1..64 bytes of UTF-8,
 * no control characters) is for people; the host (1..253 bytes of printable ASCII, an IP
 * address or DNS name) and port are where clients connect. In format 1 the datagram ends with
 * the host and anything after it is rejected, so a new field needs a new format version.
 *
 * Format 2 (a server that knows its TLS key) adds one field after the host:
 *
 *   +--------+------------------------+
 *   | F u8   | fingerprint (F = 32)   |   F: 32, the SHA-256 of the control service's certificate
 *   +--------+------------------------+
 *
 * so a client verifies a discovered server from its first connection (docs/PROTOCOL.md §14).
 * A listener reads formats 1 and 2; a server announces format 1 when it has no fingerprint.
 */
export const ANNOUNCEMENT_MAGIC = Buffer.from('SAPD', 'ascii');
export const ANNOUNCEMENT_FORMAT_VERSION = 1;
/** The format that carries the control service's TLS fingerprint. */
export const ANNOUNCEMENT_FORMAT_WITH_FINGERPRINT = 2;
const FINGERPRINT_BYTES = 32;
export const ANNOUNCEMENT_NAME_MAX_BYTES = 64;
/** The longest DNS name. */
export const ANNOUNCEMENT_HOST_MAX_BYTES = 253;

const FORMAT_OFFSET = 4;
const PROTOCOL_OFFSET = 5;
const SERVER_ID_OFFSET = 6;
const SERVER_ID_BYTES = 16;
const PORT_OFFSET = 22;
const NAME_LENGTH_OFFSET = 24;
/** Everything up to and including the name's length byte. */
const FIXED_HEADER_LENGTH = 25;
/** Header, one-byte name, host length, one-byte host. */
export const ANNOUNCEMENT_MIN_BYTES = FIXED_HEADER_LENGTH + 1 + 1 + 1;
export const ANNOUNCEMENT_MAX_BYTES =
  FIXED_HEADER_LENGTH +
  ANNOUNCEMENT_NAME_MAX_BYTES +
  1 +
  ANNOUNCEMENT_HOST_MAX_BYTES +
  1 +
  FINGERPRINT_BYTES;

export interface Announcement {
  /** A UUID, e.g. from crypto.randomUUID(). */
  serverId: string;
  name: string;
  /** The control protocol version the server speaks (PROTOCOL_VERSION). */
  protocolVersion: number;
  controlHost: string;
  controlPort: number;
  /**
   * SHA-256 of the control service's TLS certificate, colon-separated upper-case hex
   * ("AB:CD:..."); absent when the server did not say (format 1).
   */
  fingerprint256?: string;
}

export class AnnouncementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnnouncementError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The name ends up in terminals and lists; control characters from the LAN must not.
const CONTROL_CHARACTER = /[\p{Cc}]/u;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function checkName(bytes: Uint8Array, name: string): void {
  if (bytes.length === 0) throw new AnnouncementError('server name is empty');
  if (bytes.length > ANNOUNCEMENT_NAME_MAX_BYTES) {
    throw new AnnouncementError(
      `server name of ${bytes.length} bytes is over ${ANNOUNCEMENT_NAME_MAX_BYTES}`,
    );
  }
  if (CONTROL_CHARACTER.test(name))
    throw new AnnouncementError('server name contains control characters');
}

function checkHost(bytes: Uint8Array, host: string): void {
  if (bytes.length === 0) throw new AnnouncementError('control host is empty');
  if (bytes.length > ANNOUNCEMENT_HOST_MAX_BYTES) {
    throw new AnnouncementError(
      `control host of ${bytes.length} bytes is over ${ANNOUNCEMENT_HOST_MAX_BYTES}`,
    );
  }
  if (!PRINTABLE_ASCII.test(host))
    throw new AnnouncementError(`control host "${host}" is not printable ASCII without spaces`);
}

function checkByte(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff)
    throw new AnnouncementError(`${what} ${value} does not fit in a byte`);
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 0xffff)
    throw new AnnouncementError(`control port ${port} is not a port (1..65535)`);
}

/** The datagram for `announcement`; throws AnnouncementError if a field cannot be sent. */
export function encodeAnnouncement(announcement: Announcement): Buffer {
  const { serverId, name, protocolVersion, controlHost, controlPort } = announcement;
  if (!UUID.test(serverId)) throw new AnnouncementError(`server id "${serverId}" is not a UUID`);
  checkByte(protocolVersion, 'protocol version');
  checkPort(controlPort);
  const nameBytes = Buffer.from(name, 'utf8');
  checkName(nameBytes, name);
  const hostBytes = Buffer.from(controlHost, 'utf8');
  checkHost(hostBytes, controlHost);
  const fingerprint =
    announcement.fingerprint256 === undefined
      ? null
      : Buffer.from(announcement.fingerprint256.replace(/:/g, ''), 'hex');
  if (fingerprint !== null && fingerprint.length !== FINGERPRINT_BYTES)
    throw new AnnouncementError(
      `fingerprint "${announcement.fingerprint256}" is not ${FINGERPRINT_BYTES} bytes of hex`,
    );

  const hostEnd = FIXED_HEADER_LENGTH + nameBytes.length + 1 + hostBytes.length;
  const datagram = Buffer.alloc(hostEnd + (fingerprint === null ? 0 : 1 + FINGERPRINT_BYTES));
  ANNOUNCEMENT_MAGIC.copy(datagram, 0);
  datagram.writeUInt8(
    fingerprint === null ? ANNOUNCEMENT_FORMAT_VERSION : ANNOUNCEMENT_FORMAT_WITH_FINGERPRINT,
    FORMAT_OFFSET,
  );
  datagram.writeUInt8(protocolVersion, PROTOCOL_OFFSET);
  datagram.write(serverId.replace(/-/g, ''), SERVER_ID_OFFSET, SERVER_ID_BYTES, 'hex');
  datagram.writeUInt16BE(controlPort, PORT_OFFSET);
  datagram.writeUInt8(nameBytes.length, NAME_LENGTH_OFFSET);
  nameBytes.copy(datagram, FIXED_HEADER_LENGTH);
  const hostLengthOffset = FIXED_HEADER_LENGTH + nameBytes.length;
  datagram.writeUInt8(hostBytes.length, hostLengthOffset);
  hostBytes.copy(datagram, hostLengthOffset + 1);
  if (fingerprint !== null) {
    datagram.writeUInt8(FINGERPRINT_BYTES, hostEnd);
    fingerprint.copy(datagram, hostEnd + 1);
  }
  return datagram;
}

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new AnnouncementError(`${what} is not valid UTF-8`);
  }
}

function truncated(length: number, needed: number): AnnouncementError {
  return new AnnouncementError(`announcement truncated: ${length} bytes, needs ${needed}`);
}

/** Reads and checks every field of a received datagram; throws AnnouncementError if any is wrong. */
export function decodeAnnouncement(datagram: Uint8Array): Announcement {
  const bytes = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  if (
    bytes.length < ANNOUNCEMENT_MAGIC.length ||
    !bytes.subarray(0, ANNOUNCEMENT_MAGIC.length).equals(ANNOUNCEMENT_MAGIC)
  ) {
    const start = bytes.subarray(0, ANNOUNCEMENT_MAGIC.length).toString('hex') || 'nothing';
    throw new AnnouncementError(`not a Sapora announcement: starts with ${start}, not "SAPD"`);
  }
  if (bytes.length <= FORMAT_OFFSET) throw truncated(bytes.length, ANNOUNCEMENT_MIN_BYTES);
  const format = bytes.readUInt8(FORMAT_OFFSET);
  if (format !== ANNOUNCEMENT_FORMAT_VERSION && format !== ANNOUNCEMENT_FORMAT_WITH_FINGERPRINT)
    throw new AnnouncementError(`unsupported announcement format version ${format}`);
  if (bytes.length < ANNOUNCEMENT_MIN_BYTES) throw truncated(bytes.length, ANNOUNCEMENT_MIN_BYTES);

  const nameLength = bytes.readUInt8(NAME_LENGTH_OFFSET);
  const hostLengthOffset = FIXED_HEADER_LENGTH + nameLength;
  if (bytes.length <= hostLengthOffset) throw truncated(bytes.length, hostLengthOffset + 2);
  const hostLength = bytes.readUInt8(hostLengthOffset);
  const hostEnd = hostLengthOffset + 1 + hostLength;
  let end = hostEnd;
  let fingerprint256: string | undefined;
  if (format === ANNOUNCEMENT_FORMAT_WITH_FINGERPRINT) {
    if (bytes.length <= hostEnd) throw truncated(bytes.length, hostEnd + 1 + FINGERPRINT_BYTES);
    const fingerprintLength = bytes.readUInt8(hostEnd);
    if (fingerprintLength !== FINGERPRINT_BYTES)
      throw new AnnouncementError(
        `fingerprint of ${fingerprintLength} bytes, not ${FINGERPRINT_BYTES}`,
      );
    end = hostEnd + 1 + FINGERPRINT_BYTES;
    if (bytes.length >= end)
      fingerprint256 = (
        bytes
          .toString('hex', hostEnd + 1, end)
          .toUpperCase()
          .match(/../g) ?? []
      ).join(':');
  }
  if (bytes.length < end) throw truncated(bytes.length, end);
  if (bytes.length > end)
    throw new AnnouncementError(`extra bytes after the announcement: ${bytes.length - end}`);

  const nameBytes = bytes.subarray(FIXED_HEADER_LENGTH, hostLengthOffset);
  const hostBytes = bytes.subarray(hostLengthOffset + 1, hostEnd);
  const name = decodeUtf8(nameBytes, 'server name');
  const controlHost = decodeUtf8(hostBytes, 'control host');
  checkName(nameBytes, name);
  checkHost(hostBytes, controlHost);
  const controlPort = bytes.readUInt16BE(PORT_OFFSET);
  checkPort(controlPort);

  const id = bytes.toString('hex', SERVER_ID_OFFSET, SERVER_ID_OFFSET + SERVER_ID_BYTES);
  return {
    serverId: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
    name,
    protocolVersion: bytes.readUInt8(PROTOCOL_OFFSET),
    controlHost,
    controlPort,
    ...(fingerprint256 === undefined ? {} : { fingerprint256 }),
  };
}
