import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RoutingRule, WebsiteConfiguration } from '../types.js';
import { parseWebsiteConfiguration } from './parse.js';
import { serializeWebsiteConfiguration } from './serialize.js';

// XML 1.0 text: no C0 controls but tab/newline (and no \r, which XML normalises).
const xmlText = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !/[\u0000-\u0008\u000b-\u001f\r\ufffe\uffff]/.test(s));
const nonBlank = xmlText.filter((s) => s.trim() !== '');
const hostName = fc.domain();
const protocol = fc.constantFrom('http' as const, 'https' as const);

const rule: fc.Arbitrary<RoutingRule> = fc
  .record({
    errorCode: fc.option(fc.integer({ min: 400, max: 599 }), { nil: undefined }),
    prefix: fc.option(xmlText, { nil: undefined }),
    hostName: fc.option(hostName, { nil: undefined }),
    code: fc.option(fc.integer({ min: 301, max: 308 }), { nil: undefined }),
    protocol: fc.option(protocol, { nil: undefined }),
    replace: fc.option(fc.oneof(fc.record({ replaceKeyWith: xmlText }), fc.record({ replaceKeyPrefixWith: xmlText })), { nil: undefined }),
  })
  .map((r) => {
    const out: RoutingRule = { redirect: { ...(r.replace ?? {}) } };
    if (r.hostName !== undefined) out.redirect.hostName = r.hostName;
    if (r.code !== undefined) out.redirect.httpRedirectCode = r.code;
    if (r.protocol !== undefined) out.redirect.protocol = r.protocol;
    if (r.errorCode !== undefined || r.prefix !== undefined) {
      out.condition = {};
      if (r.errorCode !== undefined) out.condition.httpErrorCodeReturnedEquals = r.errorCode;
      if (r.prefix !== undefined) out.condition.keyPrefixEquals = r.prefix;
    }
    return out;
  });

const config: fc.Arbitrary<WebsiteConfiguration> = fc.oneof(
  fc.record({ redirectAllRequestsTo: fc.record({ hostName, protocol }, { requiredKeys: ['hostName'] }) }),
  fc.record(
    {
      indexDocument: fc.record({ suffix: nonBlank.filter((s) => !s.includes('/')) }),
      errorDocument: fc.record({ key: nonBlank }),
      routingRules: fc.array(rule, { minLength: 1, maxLength: 50 }),
    },
    { requiredKeys: ['indexDocument'] },
  ),
);

describe('website configuration round trip', () => {
  it('parse(serialize(config)) = config for any valid configuration', () => {
    fc.assert(
      fc.property(config, (c) => {
        expect(parseWebsiteConfiguration(serializeWebsiteConfiguration(c))).toEqual({ ok: true, config: c });
      }),
      { numRuns: 300 },
    );
  });

  it('parse never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseWebsiteConfiguration(`<WebsiteConfiguration>${s}</WebsiteConfiguration>`);
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.status).toBe(400);
      }),
      { numRuns: 300 },
    );
  });
});
