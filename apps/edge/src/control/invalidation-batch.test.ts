import { describe, expect, it } from 'vitest';
import { parseInvalidationBatch, renderInvalidationBatch } from './invalidation-batch.js';
import { ControlError } from './errors.js';

const NS = 'xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"';

function codeOf(body: string): string {
  try {
    parseInvalidationBatch(Buffer.from(body, 'utf8'));
  } catch (err) {
    if (err instanceof ControlError) return `${err.status} ${err.code}`;
    throw err;
  }
  return 'ok';
}

function batch(paths: string[], quantity = paths.length, ref = 'ref-1'): string {
  return `<InvalidationBatch ${NS}><Paths><Quantity>${quantity}</Quantity><Items>${paths.map((p) => `<Path>${p}</Path>`).join('')}</Items></Paths><CallerReference>${ref}</CallerReference></InvalidationBatch>`;
}

describe('parseInvalidationBatch', () => {
  it('parses the --paths form (CallerReference first) with raw UTF-8 paths', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<InvalidationBatch ${NS}><CallerReference>cli-1700000000-123</CallerReference><Paths><Quantity>3</Quantity><Items><Path>/index.html</Path><Path>/a b/ü.html</Path><Path>/assets/*</Path></Items></Paths></InvalidationBatch>`;
    expect(parseInvalidationBatch(Buffer.from(xml))).toEqual({
      callerReference: 'cli-1700000000-123',
      paths: ['/index.html', '/a b/ü.html', '/assets/*'],
    });
  });

  it('parses the --invalidation-batch form (Paths first), pretty-printed, with entities', () => {
    const xml = `<InvalidationBatch ${NS}>\n  <Paths>\n    <Quantity>2</Quantity>\n    <Items>\n      <Path>/x&amp;y.html</Path>\n      <Path>/only one</Path>\n    </Items>\n  </Paths>\n  <CallerReference>0042</CallerReference>\n</InvalidationBatch>\n`;
    expect(parseInvalidationBatch(Buffer.from(xml))).toEqual({ callerReference: '0042', paths: ['/x&y.html', '/only one'] });
  });

  it('round-trips what the peer fan-out sends', () => {
    const b = { callerReference: 'peer <&> ref', paths: ['/a&b', '/<c>', '/d/*'] };
    expect(parseInvalidationBatch(Buffer.from(renderInvalidationBatch(b)))).toEqual(b);
  });

  it.each([
    ['empty body', '', '400 MissingBody'],
    ['whitespace body', '  \n', '400 MissingBody'],
    ['not XML', 'paths=/index.html', '400 MalformedInput'],
    ['unclosed root', `<InvalidationBatch ${NS}><CallerReference>x</CallerReference>`, '400 MalformedInput'],
    ['wrong root', `<DistributionConfig ${NS}/>`, '400 MalformedInput'],
    ['DOCTYPE', `<!DOCTYPE x [<!ENTITY a "b">]>${batch(['/a'])}`, '400 MalformedInput'],
    ['missing CallerReference', `<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths></InvalidationBatch>`, '400 MalformedXML'],
    ['missing Paths', `<InvalidationBatch><CallerReference>r</CallerReference></InvalidationBatch>`, '400 MalformedXML'],
    ['missing Quantity', `<InvalidationBatch><CallerReference>r</CallerReference><Paths><Items><Path>/a</Path></Items></Paths></InvalidationBatch>`, '400 MalformedXML'],
    ['empty InvalidationBatch', `<InvalidationBatch ${NS}/>`, '400 MalformedXML'],
    ['non-numeric Quantity', batch(['/a'], NaN), '400 MalformedInput'],
    ['Quantity larger than Items', batch(['/a'], 2), '400 InconsistentQuantities'],
    ['Quantity smaller than Items', batch(['/a', '/b'], 1), '400 InconsistentQuantities'],
    ['no paths', batch([]), '400 InvalidArgument'],
    ['empty CallerReference', batch(['/a'], 1, ''), '400 InvalidArgument'],
    ['path without leading slash', batch(['index.html']), '400 InvalidArgument'],
    ['empty path', batch(['']), '400 InvalidArgument'],
    ['* not last', batch(['/a*/b']), '400 InvalidArgument'],
    ['path over 4,000 characters', batch([`/${'a'.repeat(4000)}`]), '400 InvalidArgument'],
    ['3,001 paths', batch(Array.from({ length: 3001 }, (_, i) => `/p${i}`)), '413 BatchTooLarge'],
    ['16 wildcard paths', batch(Array.from({ length: 16 }, (_, i) => `/w${i}/*`)), '413 BatchTooLarge'],
  ])('%s → %s', (_name, body, expected) => {
    expect(codeOf(body)).toBe(expected);
  });

  it('accepts the limits exactly: 4,000 characters, 3,000 paths, 15 wildcards', () => {
    expect(codeOf(batch([`/${'a'.repeat(3999)}`]))).toBe('ok');
    expect(codeOf(batch(Array.from({ length: 3000 }, (_, i) => `/p${i}`)))).toBe('ok');
    expect(codeOf(batch(Array.from({ length: 15 }, (_, i) => `/w${i}/*`)))).toBe('ok');
  });
});
