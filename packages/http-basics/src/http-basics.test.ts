import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  closeServer,
  decodeXmlEntities,
  escapeXml,
  hasRepeatedHost,
  hostWithoutPort,
  LatencyHistogram,
  listen,
  parseHttpDate,
  parseRequestTarget,
  parseXml,
  PrometheusWriter,
  splitTarget,
  XmlRefusal,
} from './index.js';

describe('hostWithoutPort', () => {
  it.each([
    ['Example.COM:8080', 'example.com'],
    [' bucket.s3.localhost ', 'bucket.s3.localhost'],
    ['[::1]:9000', '[::1]'],
    ['[::1]', '[::1]'],
    ['127.0.0.1', '127.0.0.1'],
  ])('%s → %s', (host, expected) => expect(hostWithoutPort(host)).toBe(expected));
});

describe('hasRepeatedHost', () => {
  it('sees a second Host field line in any case', () => {
    expect(hasRepeatedHost(['Host', 'a', 'Accept', '*/*'])).toBe(false);
    expect(hasRepeatedHost(['Host', 'a', 'hOST', 'b'])).toBe(true);
  });
});

describe('parseRequestTarget', () => {
  it.each([
    ['/b/k?x=1', { path: '/b/k', query: 'x=1' }],
    ['/b/k', { path: '/b/k', query: undefined }],
    ['/b/k?', { path: '/b/k', query: '' }],
    ['/a/../b%2F?q', { path: '/a/../b%2F', query: 'q' }],
    ['http://user@host:80/p?q=1', { path: '/p', query: 'q=1', authority: 'host:80' }],
    ['http://host?q', { path: '/', query: 'q', authority: 'host' }],
    ['relative', { path: '/relative', query: undefined }],
    [undefined, { path: '/', query: undefined }],
  ])('%s', (url, expected) => expect(parseRequestTarget(url)).toEqual(expected));

  it('splitTarget gives an empty query when there is none', () => {
    expect(splitTarget('/x')).toEqual({ path: '/x', query: '' });
  });
});

describe('parseHttpDate', () => {
  it('reads the three forms RFC 9110 requires, to milliseconds', () => {
    const ms = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(ms);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(ms);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBeTypeOf('number');
  });
  it('is undefined for absent or invalid dates, and strict takes IMF-fixdate only', () => {
    expect(parseHttpDate(undefined)).toBeUndefined();
    expect(parseHttpDate('')).toBeUndefined();
    expect(parseHttpDate('not a date')).toBeUndefined();
    expect(parseHttpDate('2026-12-03T10:00:00Z', { strict: true })).toBeUndefined();
    expect(parseHttpDate('Thu, 03 Dec 2026 10:00:00 GMT', { strict: true })).toBe(Date.UTC(2026, 11, 3, 10));
  });
});

describe('listen / closeServer', () => {
  it('binds port 0 and closes with a keep-alive connection open', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    const port = await listen(server, 0, '127.0.0.1');
    expect(port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('ok');
    await closeServer(server);
    expect(server.listening).toBe(false);
  });
});

describe('parseXml: the one XML policy', () => {
  it('parses without attributes or namespace prefixes, text as sent', () => {
    expect(parseXml('<?xml version="1.0"?><a:Root xmlns:a="x"><K> 1 </K></a:Root>')).toEqual({ Root: { K: ' 1 ' } });
  });
  it.each([
    ['', 'empty'],
    ['<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', 'dtd'],
    ['<!ENTITY a "b"><x/>', 'dtd'],
    ['<x><y></x>', 'not-well-formed'],
  ])('refuses %j (%s)', (xml, reason) => {
    expect(() => parseXml(xml)).toThrow(XmlRefusal);
    try {
      parseXml(xml);
    } catch (err) {
      expect((err as XmlRefusal).reason).toBe(reason);
    }
  });
  it('refuses a document over maxBytes before parsing it', () => {
    expect(() => parseXml(`<x>${'a'.repeat(100)}</x>`, { maxBytes: 50 })).toThrow(/larger than 50 bytes/);
  });
  it('leaves references raw, or decodes them all and refuses undefined ones', () => {
    expect(parseXml('<x>a&amp;b</x>')).toEqual({ x: 'a&amp;b' });
    expect(parseXml('<x><y>a&amp;b&#x41;</y></x>', { decodeReferences: true })).toEqual({ x: { y: 'a&bA' } });
    expect(() => parseXml('<x>&nbsp;</x>', { decodeReferences: true })).toThrow(XmlRefusal);
  });
  it('reads listed elements as arrays', () => {
    expect(parseXml('<r><P>a</P></r>', { lists: ['P'] })).toEqual({ r: { P: ['a'] } });
  });
});

describe('escapeXml / decodeXmlEntities', () => {
  it('round-trips the special characters, \\r included', () => {
    const text = `<a href="x">'&'\r</a>`;
    expect(escapeXml(text)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&#13;&lt;/a&gt;');
    expect(decodeXmlEntities(escapeXml(text))).toBe(text);
  });
  it.each([
    ['&#x1F600;', '😀'],
    ['cr&#13;lf&#x0A;', 'cr\rlf\n'],
    ['a & b', null],
    ['&foo;', null],
    ['&#0;', null],
    ['&#x110000;', null],
  ])('%j → %j', (text, expected) => expect(decodeXmlEntities(text)).toBe(expected));
});

describe('PrometheusWriter', () => {
  it('writes families, constant labels, escaped label values and cumulative histograms', () => {
    const h = new LatencyHistogram([0.01, 0.1]);
    h.observe(5);
    h.observe(50);
    h.observe(5000);
    const text = new PrometheusWriter({ pop: 'a"b' }).single('x_total', 'counter', 'X.', 3).histogram('lat_seconds', 'Latency.', h, { op: 'get' }).toString();
    expect(text).toBe(
      '# HELP x_total X.\n# TYPE x_total counter\nx_total{pop="a\\"b"} 3\n' +
        '# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n' +
        'lat_seconds_bucket{pop="a\\"b",op="get",le="0.01"} 1\nlat_seconds_bucket{pop="a\\"b",op="get",le="0.1"} 2\n' +
        'lat_seconds_bucket{pop="a\\"b",op="get",le="+Inf"} 3\nlat_seconds_sum{pop="a\\"b",op="get"} 5.055\nlat_seconds_count{pop="a\\"b",op="get"} 3\n',
    );
  });
});
