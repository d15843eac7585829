import { describe, expect, it } from 'vitest';
import { S3Error } from '../errors.js';
import { corsResponseHeaders, matchCorsRule, parseCorsConfiguration, serializeCorsConfiguration, type CorsConfiguration } from './cors.js';

const doc = (rules: string): string => `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</CORSConfiguration>`;
const rule = (inner: string): string => `<CORSRule>${inner}</CORSRule>`;

describe('parseCorsConfiguration: refusals as S3 answers them', () => {
  const cases: Array<[string, string, string, string?]> = [
    ['not XML', '<CORSConfiguration>', 'MalformedXML'],
    ['wrong root', '<Cors><CORSRule/></Cors>', 'MalformedXML'],
    ['no rules', doc(''), 'MalformedXML'],
    ['no AllowedOrigin', doc(rule('<AllowedMethod>GET</AllowedMethod>')), 'MalformedXML'],
    ['no AllowedMethod', doc(rule('<AllowedOrigin>*</AllowedOrigin>')), 'MalformedXML'],
    ['unknown element', doc(rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><Foo>1</Foo>')), 'MalformedXML'],
    ['bad MaxAgeSeconds', doc(rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>x</MaxAgeSeconds>')), 'MalformedXML'],
    ['PATCH', doc(rule('<AllowedMethod>PATCH</AllowedMethod><AllowedOrigin>*</AllowedOrigin>')), 'InvalidRequest', 'Found unsupported HTTP method in CORS config. Unsupported method is PATCH'],
    ['lower-case get', doc(rule('<AllowedMethod>get</AllowedMethod><AllowedOrigin>*</AllowedOrigin>')), 'InvalidRequest', 'Found unsupported HTTP method in CORS config. Unsupported method is get'],
    [
      'two wildcards in an origin',
      doc(rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>http://*.*.com</AllowedOrigin>')),
      'InvalidRequest',
      'AllowedOrigin "http://*.*.com" can not have more than one wildcard.',
    ],
    [
      'two wildcards in a header',
      doc(rule('<AllowedHeader>x-*-*</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>')),
      'InvalidRequest',
      'AllowedHeader "x-*-*" can not have more than one wildcard.',
    ],
    ['ID over 255', doc(rule(`<ID>${'a'.repeat(256)}</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>`)), 'InvalidArgument'],
    ['101 rules', doc(rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>').repeat(101)), 'InvalidRequest'],
    ['DOCTYPE', `<!DOCTYPE x [<!ENTITY a "b">]>${doc(rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>&a;</AllowedOrigin>'))}`, 'MalformedXML'],
  ];
  it.each(cases)('%s', (_name, xml, code, message) => {
    const r = parseCorsConfiguration(xml);
    expect(r).toBeInstanceOf(S3Error);
    expect((r as S3Error).code).toBe(code);
    if (message !== undefined) expect((r as S3Error).message).toBe(message);
  });

  it('100 rules and a 255-character ID are accepted', () => {
    const ok = parseCorsConfiguration(doc(rule(`<ID>${'a'.repeat(255)}</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>`).repeat(100)));
    expect(ok).not.toBeInstanceOf(S3Error);
    expect((ok as CorsConfiguration).rules).toHaveLength(100);
  });
});

describe('serialize ∘ parse', () => {
  it('keeps every field in the schema order', () => {
    const xml = doc(
      rule(
        '<ID>r1</ID><AllowedHeader>*</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://a.example</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds>',
      ),
    );
    const parsed = parseCorsConfiguration(xml) as CorsConfiguration;
    expect(parsed.rules[0]).toEqual({ id: 'r1', allowedHeaders: ['*'], allowedMethods: ['GET', 'PUT'], allowedOrigins: ['https://a.example'], exposeHeaders: ['ETag'], maxAgeSeconds: 3000 });
    expect(serializeCorsConfiguration(parsed).endsWith(xml)).toBe(true);
    expect(parseCorsConfiguration(serializeCorsConfiguration(parsed))).toEqual(parsed);
  });
});

describe('matchCorsRule (the s3-tests test_cors_origin_response table)', () => {
  const config = parseCorsConfiguration(
    doc(
      ['*suffix', 'start*end', 'prefix*'].map((o) => rule(`<AllowedMethod>GET</AllowedMethod><AllowedOrigin>${o}</AllowedOrigin>`)).join('') +
        rule('<AllowedHeader>x-amz-*</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>*.put</AllowedOrigin>'),
    ),
  ) as CorsConfiguration;
  const cases: Array<[string, string, string[], boolean]> = [
    ['foo.suffix', 'GET', [], true],
    ['foo.bar', 'GET', [], false],
    ['foo.suffix.get', 'GET', [], false],
    ['startend', 'GET', [], true],
    ['start12end', 'GET', [], true],
    ['0start12end', 'GET', [], false],
    ['prefix.suffix', 'GET', [], true],
    ['bla.prefix', 'GET', [], false],
    ['foo.put', 'GET', [], false],
    ['foo.put', 'PUT', ['x-amz-meta-a', 'X-Amz-Date'], true],
    ['foo.put', 'PUT', ['content-type'], false],
    ['foo.suffix', 'GET', ['x-custom'], false],
  ];
  it.each(cases)('%s %s %j → %s', (origin, method, headers, matches) => {
    expect(matchCorsRule(config, origin, method, headers) !== null).toBe(matches);
  });

  it("answers `*` for a wildcard rule, the Origin otherwise, with S3's headers", () => {
    const star = { allowedHeaders: [], allowedMethods: ['GET'], allowedOrigins: ['*'], exposeHeaders: ['ETag'], maxAgeSeconds: 10 };
    expect(corsResponseHeaders(star, 'https://x', ['a'])).toEqual([
      'Access-Control-Allow-Origin',
      '*',
      'Access-Control-Allow-Methods',
      'GET',
      'Access-Control-Allow-Headers',
      'a',
      'Access-Control-Expose-Headers',
      'ETag',
      'Access-Control-Max-Age',
      '10',
      'Vary',
      'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    ]);
    expect(corsResponseHeaders({ ...star, allowedOrigins: ['https://x'] }, 'https://x', null).slice(0, 2)).toEqual(['Access-Control-Allow-Origin', 'https://x']);
  });
});
