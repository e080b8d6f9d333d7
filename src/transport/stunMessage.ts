/**
 * The few pieces of RFC 5389 (STUN) that a Binding responder needs: recognise a Binding request
 * and build its success response with an XOR-MAPPED-ADDRESS. Pure functions over bytes, so they
 * are tested without sockets and run anywhere.
 */

/** The fixed value in bytes 4–7 of every RFC 5389 message (RFC 3489 messages lack it). */
export const STUN_MAGIC_COOKIE = 0x2112a442;

const HEADER_LENGTH = 20;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;

/** A Binding request as far as a responder cares: its transaction id. */
export interface StunBindingRequest {
  /** 12 bytes chosen by the client; echoed in the response so it can match it. */
  readonly transactionId: Uint8Array;
}

/**
 * Parses `message` as an RFC 5389 Binding request; `undefined` for anything else (other methods,
 * indications, responses, RFC 3489 messages without the magic cookie, truncated or padded
 * datagrams). The attributes are not read: a Binding request needs none for the answer.
 */
export function parseBindingRequest(message: Uint8Array): StunBindingRequest | undefined {
  if (message.length < HEADER_LENGTH) return undefined;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const type = view.getUint16(0);
  const length = view.getUint16(2);
  // The two top bits of every STUN message are zero; that, the cookie and an exact length keep
  // stray datagrams (DTLS, RTP, garbage) from being mistaken for requests.
  if (type !== BINDING_REQUEST) return undefined;
  if (length % 4 !== 0 || HEADER_LENGTH + length !== message.length) return undefined;
  if (view.getUint32(4) !== STUN_MAGIC_COOKIE) return undefined;
  return { transactionId: message.slice(8, 20) };
}

/** The address a request came from, as `node:dgram` reports it. */
export interface StunAddress {
  readonly family: 'IPv4' | 'IPv6';
  readonly address: string;
  readonly port: number;
}

/**
 * Builds the Binding success response for `request` seen from `from`: one XOR-MAPPED-ADDRESS
 * attribute and nothing else, so the answer is barely larger than the question (no amplification).
 */
export function bindingSuccess(request: StunBindingRequest, from: StunAddress): Uint8Array {
  const ipv6 = from.family === 'IPv6';
  const addressBytes = ipv6 ? ipv6Bytes(from.address) : ipv4Bytes(from.address);
  const valueLength = 4 + addressBytes.length;
  const message = new Uint8Array(HEADER_LENGTH + 4 + valueLength);
  const view = new DataView(message.buffer);
  view.setUint16(0, BINDING_SUCCESS);
  view.setUint16(2, 4 + valueLength);
  view.setUint32(4, STUN_MAGIC_COOKIE);
  message.set(request.transactionId, 8);
  view.setUint16(20, XOR_MAPPED_ADDRESS);
  view.setUint16(22, valueLength);
  view.setUint8(24, 0);
  view.setUint8(25, ipv6 ? 0x02 : 0x01);
  view.setUint16(26, from.port ^ (STUN_MAGIC_COOKIE >>> 16));
  // The address is XORed with the cookie (IPv4) or the cookie followed by the transaction id
  // (IPv6) — RFC 5389 §15.2 — which bytes 4–20 of the header happen to hold in that order.
  for (let i = 0; i < addressBytes.length; i++) message[28 + i] = addressBytes[i]! ^ message[4 + i]!;
  return message;
}

/** Reads the XOR-MAPPED-ADDRESS of a Binding success response (for clients and tests). */
export function parseBindingSuccess(message: Uint8Array): { transactionId: Uint8Array; address: StunAddress } | undefined {
  if (message.length < HEADER_LENGTH) return undefined;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (view.getUint16(0) !== BINDING_SUCCESS || view.getUint32(4) !== STUN_MAGIC_COOKIE) return undefined;
  if (HEADER_LENGTH + view.getUint16(2) !== message.length) return undefined;
  for (let at = HEADER_LENGTH; at + 4 <= message.length; ) {
    const type = view.getUint16(at);
    const length = view.getUint16(at + 2);
    if (at + 4 + length > message.length) return undefined;
    if (type === XOR_MAPPED_ADDRESS && length >= 8) {
      const ipv6 = view.getUint8(at + 5) === 0x02;
      const bytes = message.slice(at + 8, at + 8 + (ipv6 ? 16 : 4));
      for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ message[4 + i]!;
      const port = view.getUint16(at + 6) ^ (STUN_MAGIC_COOKIE >>> 16);
      const address = ipv6 ? formatIpv6(bytes) : Array.from(bytes).join('.');
      return { transactionId: message.slice(8, 20), address: { family: ipv6 ? 'IPv6' : 'IPv4', address, port } };
    }
    at += 4 + Math.ceil(length / 4) * 4;
  }
  return undefined;
}

function ipv4Bytes(address: string): Uint8Array {
  const parts = address.split('.').map(Number);
  return Uint8Array.from(parts.length === 4 ? parts : [0, 0, 0, 0]);
}

function ipv6Bytes(address: string): Uint8Array {
  // An IPv4-mapped tail (::ffff:1.2.3.4) is rewritten as two hex groups first.
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  let text = address.replace(/%.*$/, '');
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, text.length - tail[0].length) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head = '', rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  groups.slice(0, 8).forEach((group, i) => {
    const value = parseInt(group, 16) || 0;
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}

function formatIpv6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}
