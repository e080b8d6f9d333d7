import { InvalidArgumentError } from 'commander';
import { parseHostPort, parseJsonArgument, parseMilliseconds, parseName, repeatable, urlParser } from '../../../apps/daemon/cli/args.js';

describe('cli argument parsers', () => {
  it('splits HOST:PORT and [v6]:PORT, port 0 included', () => {
    expect(parseHostPort('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseHostPort('0.0.0.0:7717')).toEqual({ host: '0.0.0.0', port: 7717 });
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseHostPort('localhost:65535')).toEqual({ host: 'localhost', port: 65535 });
  });

  it('refuses anything else as HOST:PORT with a usage error', () => {
    for (const text of ['nowhere', '127.0.0.1', ':80', '1.2.3.4:65536', '::1:80', 'a:b', 'host:80x']) {
      expect(() => parseHostPort(text)).toThrow(InvalidArgumentError);
    }
  });

  it('parses any JSON document as ARGS_JSON and names the problem in malformed JSON', () => {
    expect(parseJsonArgument('{"by":2}')).toEqual({ by: 2 });
    expect(parseJsonArgument('[1,"two"]')).toEqual([1, 'two']);
    expect(parseJsonArgument('3')).toBe(3);
    expect(parseJsonArgument('null')).toBeNull();
    expect(() => parseJsonArgument('{by:2}')).toThrow(/malformed JSON/);
    expect(() => parseJsonArgument('')).toThrow(/malformed JSON/);
    expect(() => parseJsonArgument("{'by':2}")).toThrow(InvalidArgumentError);
  });

  it('accepts only positive whole milliseconds', () => {
    expect(parseMilliseconds('1500')).toBe(1500);
    for (const text of ['0', '-1', '1.5', '1e3', 'soon', '', '99999999999999999999']) expect(() => parseMilliseconds(text)).toThrow(InvalidArgumentError);
  });

  it('accepts URLs of the given protocols only', () => {
    const ws = urlParser(['ws:', 'wss:']);
    expect(ws('ws://127.0.0.1:7001')).toBe('ws://127.0.0.1:7001');
    expect(ws('wss://example.org/x')).toBe('wss://example.org/x');
    expect(() => ws('http://127.0.0.1:7001')).toThrow(/ws: or wss:/);
    expect(() => ws('127.0.0.1:7001')).toThrow(InvalidArgumentError);
  });

  it('collects a repeatable option in order, parsing each occurrence', () => {
    const collect = repeatable(Number);
    expect(collect('2', collect('1', undefined))).toEqual([1, 2]);
  });

  it('refuses empty names and names with control characters', () => {
    expect(parseName('alice/photos')).toBe('alice/photos');
    expect(() => parseName('')).toThrow(InvalidArgumentError);
    expect(() => parseName('a\nb')).toThrow(InvalidArgumentError);
  });
});
