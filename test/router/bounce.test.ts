import { decodeValue, encodeValue } from '../../src/firefly/codec.js';
import { PacketKind } from '../../src/firefly/packet.js';
import { bounce } from '../../src/router/bounce.js';
import { errorOf, packet } from './helpers.js';

describe('bounce', () => {
  it.each([PacketKind.call, PacketKind.stream])('answers kind %i with noconnection from the destination, same corr', (kind) => {
    const answer = bounce(packet('a', 'z', { kind, corr: 5 }), 'relay', 'noroute')!;
    expect(answer).toMatchObject({ kind: PacketKind.error, corr: 5, src: { node: 'z', local: 'target' }, dst: { node: 'a', local: 'caller' } });
    expect(errorOf(answer)).toMatchObject({ code: 'noconnection', details: { router: 'relay', reason: 'noroute' } });
  });

  it('answers a monitor with DOWN noconnection', () => {
    const answer = bounce(packet('a', 'z', { kind: PacketKind.signal, method: 'monitor', corr: 6, body: encodeValue(null) }), 'r', 'hoplimit')!;
    expect(answer).toMatchObject({ kind: PacketKind.signal, method: 'down', corr: 6 });
    expect(decodeValue(answer.body)).toBe('noconnection');
  });

  it.each([PacketKind.reply, PacketKind.error, PacketKind.cast, PacketKind.item, PacketKind.end, PacketKind.credit, PacketKind.cancel, PacketKind.rtc])(
    'owes kind %i no answer',
    (kind) => {
      expect(bounce(packet('a', 'z', { kind }), 'r', 'noroute')).toBeUndefined();
    },
  );

  it('owes other signals no answer', () => {
    expect(bounce(packet('a', 'z', { kind: PacketKind.signal, method: 'down' }), 'r', 'noroute')).toBeUndefined();
  });
});
