import { isSeqno, seqnoAdd, seqnoNewer, SEQNO_MODULUS } from '../../src/router/seqno.js';

describe('seqnos', () => {
  it('compare modulo 2^16, so that counting past the top stays newer', () => {
    expect(seqnoNewer(2, 1)).toBe(true);
    expect(seqnoNewer(1, 2)).toBe(false);
    expect(seqnoNewer(5, 5)).toBe(false);
    expect(seqnoNewer(0, SEQNO_MODULUS - 1)).toBe(true);
    expect(seqnoNewer(SEQNO_MODULUS - 1, 0)).toBe(false);
    expect(seqnoNewer(SEQNO_MODULUS / 2 - 1, 0)).toBe(true);
    expect(seqnoNewer(SEQNO_MODULUS / 2, 0)).toBe(false);
  });

  it('wrap when added to', () => {
    expect(seqnoAdd(SEQNO_MODULUS - 1)).toBe(0);
    expect(seqnoAdd(10, 5)).toBe(15);
  });

  it('accept only integers in range from the wire', () => {
    for (const bad of [-1, SEQNO_MODULUS, 1.5, '1', null, 2n]) expect(isSeqno(bad)).toBe(false);
    expect(isSeqno(0)).toBe(true);
  });
});
