import { brief, duration, json, oneLine, reasonText, rtt, schemaText, table } from '../../../apps/daemon/cli/format.js';

describe('cli output formatting', () => {
  it('aligns table columns and leaves no trailing spaces', () => {
    expect(table(['KIND', 'NODE', 'RTT'], [['websocket', 'abc', '1.00 ms'], ['memory', 'a-much-longer-id', '-']])).toBe(
      ['KIND       NODE              RTT', 'websocket  abc               1.00 ms', 'memory     a-much-longer-id  -', ''].join('\n'),
    );
    expect(table(['A', 'B'], [['x', '']])).toBe('A  B\nx\n');
  });

  it('prints --json values as one parseable document, undefined as null', () => {
    expect(JSON.parse(json({ a: [1, 2] }))).toEqual({ a: [1, 2] });
    expect(json(undefined)).toBe('null\n');
    expect(json('text')).toBe('"text"\n');
  });

  it('keeps values from the wire on one line', () => {
    expect(oneLine('a\nb\r\n\tc\u0000')).toBe('a b c');
    // C1 controls too, and bidirectional overrides (which make a name read backwards) are dropped.
    expect(oneLine('lap\u0085top \u202egnp.exe')).toBe('lap top gnp.exe');
    expect(brief({ text: 'x\ny' })).toBe('{"text":"x\\ny"}');
    expect(brief('multi\nline')).toBe('multi line');
    expect(brief(undefined)).toBe('');
  });

  it('renders DOWN reasons as words, errors by their code', () => {
    expect(reasonText('noconnection')).toBe('noconnection');
    expect(reasonText({ code: 'noconnection', message: 'noconnection' })).toBe('noconnection');
    expect(reasonText({ code: 'crashed', message: 'boom\nat line 3' })).toBe('crashed (boom at line 3)');
    expect(reasonText({ other: 1 })).toBe('{"other":1}');
    expect(reasonText(undefined)).toBe('undefined');
  });

  it('formats durations and round-trip times', () => {
    expect(duration(1234)).toBe('1.2 s');
    expect(duration(125_000)).toBe('2m 5s');
    expect(duration(3_725_000)).toBe('1h 2m');
    expect(duration(90_000_000)).toBe('1d 1h');
    expect(duration(-1)).toBe('-');
    expect(rtt(null)).toBe('-');
    expect(rtt(0.4567)).toBe('0.46 ms');
    expect(rtt(123.4)).toBe('123 ms');
  });

  it('summarizes JSON Schemas as compact types', () => {
    expect(schemaText({ type: 'object', properties: { by: { type: 'number' }, label: { type: 'string' } }, required: ['by'] })).toBe(
      '{ by: number, label?: string }',
    );
    expect(schemaText({ type: 'array', items: { type: 'string' } })).toBe('string[]');
    expect(schemaText({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'null' }] } })).toBe('(string | null)[]');
    expect(schemaText({ enum: ['a', 'b'] })).toBe('a | b');
    expect(schemaText({ type: 'string', format: 'bytes', contentEncoding: 'base64' })).toBe('bytes');
    expect(schemaText({ type: 'object' })).toBe('{}');
    expect(schemaText({})).toBe('any');
    expect(schemaText(undefined)).toBe('any');
    expect(schemaText({ type: ['string', 'null'] })).toBe('string | null');
  });

  it('stops summarizing deeply nested schemas instead of recursing without end', () => {
    let schema: Record<string, unknown> = { type: 'number' };
    for (let i = 0; i < 100; i++) schema = { type: 'array', items: schema };
    expect(schemaText(schema)).toMatch(/…/);
  });
});
