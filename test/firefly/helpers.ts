import { encodeValue } from '../../src/firefly/codec.js';
import { PacketKind, PROTOCOL_VERSION, type Packet } from '../../src/firefly/packet.js';

/** Bytes from hex (spaces allowed), so hostile CBOR reads like the examples in RFC 8949. */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

/** Joins byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** What `run` throws; fails the test when it returns instead. */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw, but the call returned');
}

/** Already-encoded CBOR to splice into a hand-built array, in place of an encoded value. */
export class Raw {
  constructor(readonly bytes: Uint8Array) {}
}

/**
 * A CBOR array built field by field: values are encoded with the codec, {@link Raw} fields are
 * copied as they are. Lets a test put a hostile item exactly where a header field belongs.
 */
export function cborArray(fields: readonly unknown[]): Uint8Array {
  if (fields.length > 23) throw new Error('cborArray builds short arrays only');
  const parts = fields.map((field) => (field instanceof Raw ? field.bytes : encodeValue(field)));
  return concat(new Uint8Array([0x80 + fields.length]), ...parts);
}

/** A well-formed packet to start from. */
export function samplePacket(overrides: Partial<Packet> = {}): Packet {
  return {
    version: PROTOCOL_VERSION,
    kind: PacketKind.call,
    src: { node: 'laptop', local: 'caller-1' },
    dst: { node: 'nas', local: 'fs' },
    hop: 32,
    corr: 7,
    method: 'read',
    body: encodeValue({ path: '/etc/hosts' }),
    ...overrides,
  };
}

/** The ten header fields of {@link samplePacket}, in wire order, for building malformed variants. */
export function sampleFields(): unknown[] {
  const p = samplePacket();
  return [p.version, p.kind, p.src.node, p.src.local, p.dst.node, p.dst.local, p.hop, p.corr, p.method, p.body];
}
