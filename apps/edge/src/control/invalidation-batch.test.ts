import fc from 'fast-check';
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
    ['empty body', '400 MissingBody', ''],
    ['whitespace body', '400 MissingBody', '  \n'],
    ['not XML', '400 MalformedInput', 'paths=/index.html'],
    ['unclosed root', '400 MalformedInput', `<InvalidationBatch ${NS}><CallerReference>x</CallerReference>`],
    ['wrong root', '400 MalformedInput', `<DistributionConfig ${NS}/>`],
    ['deeply nested elements', '400 MalformedInput', `<InvalidationBatch>${'<a>'.repeat(20000)}${'</a>'.repeat(20000)}</InvalidationBatch>`],
    ['DOCTYPE', '400 MalformedInput', `<!DOCTYPE x [<!ENTITY a "b">]>${batch(['/a'])}`],
    ['missing CallerReference', '400 MalformedXML', `<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths></InvalidationBatch>`],
    ['missing Paths', '400 MalformedXML', `<InvalidationBatch><CallerReference>r</CallerReference></InvalidationBatch>`],
    ['missing Quantity', '400 MalformedXML', `<InvalidationBatch><CallerReference>r</CallerReference><Paths><Items><Path>/a</Path></Items></Paths></InvalidationBatch>`],
    ['empty InvalidationBatch', '400 MalformedXML', `<InvalidationBatch ${NS}/>`],
    ['non-numeric Quantity', '400 MalformedInput', batch(['/a'], NaN)],
    ['Quantity larger than Items', '400 InconsistentQuantities', batch(['/a'], 2)],
    ['Quantity smaller than Items', '400 InconsistentQuantities', batch(['/a', '/b'], 1)],
    ['no paths', '400 InvalidArgument', batch([])],
    ['empty CallerReference', '400 InvalidArgument', batch(['/a'], 1, '')],
    ['path without leading slash', '400 InvalidArgument', batch(['index.html'])],
    ['empty path', '400 InvalidArgument', batch([''])],
    ['* not last', '400 InvalidArgument', batch(['/a*/b'])],
    ['path over 4,000 characters', '400 InvalidArgument', batch([`/${'a'.repeat(4000)}`])],
    ['3,001 paths', '413 BatchTooLarge', batch(Array.from({ length: 3001 }, (_, i) => `/p${i}`))],
    ['16 wildcard paths', '413 BatchTooLarge', batch(Array.from({ length: 16 }, (_, i) => `/w${i}/*`))],
    ['empty tag item', '400 InvalidArgument', batch(['#'])],
    ['tag over 256 characters', '400 InvalidArgument', batch([`#${'t'.repeat(257)}`])],
    ['tag with a space', '400 InvalidArgument', batch(['#release 42'])],
    ['tag with a comma', '400 InvalidArgument', batch(['#a,b'])],
    ['tag with a non-ASCII character', '400 InvalidArgument', batch(['#tür'])],
    ['tag with DEL', '400 InvalidArgument', batch(['#a\u007f'])],
    ['3,001 items, tags included', '413 BatchTooLarge', batch(Array.from({ length: 3001 }, (_, i) => (i % 2 ? `/p${i}` : `#t${i}`)))],
  ])('%s → %s', (_name, expected, body) => {
    expect(codeOf(body)).toBe(expected);
  });

  it('accepts the limits exactly: 4,000 characters, 3,000 paths, 15 wildcards', () => {
    expect(codeOf(batch([`/${'a'.repeat(3999)}`]))).toBe('ok');
    expect(codeOf(batch(Array.from({ length: 3000 }, (_, i) => `/p${i}`)))).toBe('ok');
    expect(codeOf(batch(Array.from({ length: 15 }, (_, i) => `/w${i}/*`)))).toBe('ok');
  });

  it('accepts #tag items mixed with paths, as sent; a tag is never a wildcard and has no length rule of its own beyond 256', () => {
    const b = parseInvalidationBatch(Buffer.from(batch(['#Release-42', '/index.html', '#a*', '#~!$%()=:;@[]^_{|}&amp;'])));
    expect(b.paths).toEqual(['#Release-42', '/index.html', '#a*', '#~!$%()=:;@[]^_{|}&']);
    expect(codeOf(batch([`#${'t'.repeat(256)}`]))).toBe('ok');
    // 15 wildcard paths plus tags ending in '*': the tags do not count as wildcards.
    expect(codeOf(batch([...Array.from({ length: 15 }, (_, i) => `/w${i}/*`), '#x*', '#y*']))).toBe('ok');
    expect(codeOf(batch(Array.from({ length: 3000 }, (_, i) => `#t${i}`)))).toBe('ok');
  });

  it('says what is wrong with an invalid tag', () => {
    const message = (item: string) => {
      try {
        parseInvalidationBatch(Buffer.from(batch([item])));
      } catch (err) {
        return (err as ControlError).message;
      }
      return 'ok';
    };
    expect(message('#')).toMatch(/invalid cache tag item: # \(a tag item needs at least one character after #\)/);
    expect(message(`#${'t'.repeat(300)}`)).toMatch(/at most 256 characters, this one has 300/);
    expect(message('#a,b')).toMatch(/cannot contain a comma/);
    expect(message('#a b')).toMatch(/visible ASCII characters 33–126 only; found U\+0020/);
  });

  it('round-trips any valid batch through render → parse (property)', () => {
    // Printable text, including XML specials, spaces and non-BMP characters; no control characters.
    const char = fc.oneof(
      fc.constantFrom('&', '<', '>', '"', "'", ' ', '%', '?', '=', 'ü', '😀', '/'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => !/[\u0000-\u001f\u007f*]/u.test(c)),
    );
    const text = fc.array(char, { maxLength: 30 }).map((cs) => cs.join(''));
    const path = fc.tuple(text, fc.boolean()).map(([t, wild]) => `/${t}${wild ? '*' : ''}`);
    const ref = fc.array(char, { minLength: 1, maxLength: 20 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(fc.array(path, { minLength: 1, maxLength: 15 }), ref, (paths, callerReference) => {
        const batch = { callerReference, paths };
        expect(parseInvalidationBatch(Buffer.from(renderInvalidationBatch(batch)))).toEqual(batch);
      }),
      { numRuns: 300 },
    );
  });
});
