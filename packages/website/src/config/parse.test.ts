import { describe, expect, it } from 'vitest';
import { parseWebsiteConfiguration, WEBSITE_MESSAGES } from './parse.js';
import { serializeWebsiteConfiguration } from './serialize.js';
import type { WebsiteConfiguration } from '../types.js';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const doc = (inner: string) => `<WebsiteConfiguration xmlns="${NS}">${inner}</WebsiteConfiguration>`;
const index = '<IndexDocument><Suffix>index.html</Suffix></IndexDocument>';
const rules = (...r: string[]) => `${index}<RoutingRules>${r.join('')}</RoutingRules>`;
const rule = (condition: string | null, redirect: string) => `<RoutingRule>${condition === null ? '' : `<Condition>${condition}</Condition>`}<Redirect>${redirect}</Redirect></RoutingRule>`;

describe('parseWebsiteConfiguration: docs/s3-website-rules.md#configuration validation rows', () => {
  const cases: Array<[string, string, string, string]> = [
    ['neither IndexDocument nor RedirectAll', doc('<ErrorDocument><Key>e.html</Key></ErrorDocument>'), 'InvalidArgument', WEBSITE_MESSAGES.indexRequired],
    ['empty document element', doc(''), 'InvalidArgument', WEBSITE_MESSAGES.indexRequired],
    ['IndexDocument without Suffix', doc('<IndexDocument></IndexDocument>'), 'InvalidArgument', WEBSITE_MESSAGES.indexRequired],
    ['Suffix empty', doc('<IndexDocument><Suffix></Suffix></IndexDocument>'), 'InvalidArgument', WEBSITE_MESSAGES.suffixNotWellFormed],
    ['Suffix with /', doc('<IndexDocument><Suffix>a/index.html</Suffix></IndexDocument>'), 'InvalidArgument', WEBSITE_MESSAGES.suffixNotWellFormed],
    ['RedirectAll plus IndexDocument', doc(`<RedirectAllRequestsTo><HostName>x.com</HostName></RedirectAllRequestsTo>${index}`), 'InvalidArgument', WEBSITE_MESSAGES.redirectAllConjunction],
    [
      'RedirectAll plus ErrorDocument',
      doc('<RedirectAllRequestsTo><HostName>x.com</HostName></RedirectAllRequestsTo><ErrorDocument><Key>e</Key></ErrorDocument>'),
      'InvalidArgument',
      WEBSITE_MESSAGES.redirectAllConjunction,
    ],
    ['RedirectAll protocol ftp', doc('<RedirectAllRequestsTo><HostName>x.com</HostName><Protocol>ftp</Protocol></RedirectAllRequestsTo>'), 'InvalidRequest', WEBSITE_MESSAGES.invalidProtocol],
    ['rule protocol HTTP (case matters)', doc(rules(rule(null, '<Protocol>HTTP</Protocol>'))), 'InvalidRequest', WEBSITE_MESSAGES.invalidProtocol],
    ['both ReplaceKey…', doc(rules(rule(null, '<ReplaceKeyPrefixWith>a</ReplaceKeyPrefixWith><ReplaceKeyWith>b</ReplaceKeyWith>'))), 'InvalidRequest', WEBSITE_MESSAGES.bothReplaceKey],
    [
      'empty <Condition/>',
      doc(`${index}<RoutingRules><RoutingRule><Condition/><Redirect><HostName>x</HostName></Redirect></RoutingRule></RoutingRules>`),
      'InvalidRequest',
      WEBSITE_MESSAGES.emptyCondition,
    ],
    ['empty <Condition></Condition>', doc(rules(rule('', '<HostName>x</HostName>'))), 'InvalidRequest', WEBSITE_MESSAGES.emptyCondition],
    ['empty <RoutingRules/>', doc(`${index}<RoutingRules/>`), 'MalformedXML', WEBSITE_MESSAGES.malformedXml],
    ['51 rules', doc(rules(...Array.from({ length: 51 }, () => rule(null, '<HostName>x</HostName>')))), 'InvalidRequest', WEBSITE_MESSAGES.tooManyRules(51)],
    ['redirect code 300', doc(rules(rule(null, '<HttpRedirectCode>300</HttpRedirectCode>'))), 'InvalidRequest', WEBSITE_MESSAGES.invalidRedirectCode('300')],
    ['redirect code 404', doc(rules(rule(null, '<HttpRedirectCode>404</HttpRedirectCode>'))), 'InvalidRequest', WEBSITE_MESSAGES.invalidRedirectCode('404')],
    [
      'redirect code 400 (not 3xx)',
      doc(rules(rule(null, '<HttpRedirectCode>400</HttpRedirectCode>'))),
      'InvalidRequest',
      'The provided HTTP redirect code (400) is not valid. Valid codes are 3XX except 300.',
    ],
    ['redirect code 314 (3XX but unassigned)', doc(rules(rule(null, '<HttpRedirectCode>314</HttpRedirectCode>'))), 'InvalidRequest', WEBSITE_MESSAGES.invalidRedirectCode('314')],
    ['redirect code abc', doc(rules(rule(null, '<HttpRedirectCode>abc</HttpRedirectCode>'))), 'InvalidRequest', WEBSITE_MESSAGES.invalidRedirectCode('abc')],
    [
      'error code 302',
      doc(rules(rule('<HttpErrorCodeReturnedEquals>302</HttpErrorCodeReturnedEquals>', '<HostName>x</HostName>'))),
      'InvalidRequest',
      'The provided HTTP error code (302) is not valid. Valid codes are 4XX or 5XX.',
    ],
    ['error code 600', doc(rules(rule('<HttpErrorCodeReturnedEquals>600</HttpErrorCodeReturnedEquals>', '<HostName>x</HostName>'))), 'InvalidRequest', WEBSITE_MESSAGES.invalidErrorCode('600')],
    ['blank Redirect HostName', doc(rules(rule(null, '<HostName> </HostName>'))), 'InvalidRequest', WEBSITE_MESSAGES.blankHostName],
    [
      'rule without Redirect',
      doc(`${index}<RoutingRules><RoutingRule><Condition><KeyPrefixEquals>a</KeyPrefixEquals></Condition></RoutingRule></RoutingRules>`),
      'MalformedXML',
      WEBSITE_MESSAGES.malformedXml,
    ],
    ['not XML', 'hello', 'MalformedXML', WEBSITE_MESSAGES.malformedXml],
    ['empty body', '', 'MalformedXML', WEBSITE_MESSAGES.malformedXml],
    ['unclosed tag', `<WebsiteConfiguration>${index}`, 'MalformedXML', WEBSITE_MESSAGES.malformedXml],
    ['wrong root', `<Foo>${index}</Foo>`, 'MalformedXML', WEBSITE_MESSAGES.malformedXml],
    ['unknown element', doc(`${index}<Bogus>1</Bogus>`), 'MalformedXML', WEBSITE_MESSAGES.malformedXml],
    ['two IndexDocuments', doc(index + index), 'MalformedXML', WEBSITE_MESSAGES.malformedXml],
    [
      'DOCTYPE (no entity expansion)',
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "index.html">]>${doc('<IndexDocument><Suffix>&a;</Suffix></IndexDocument>')}`,
      'MalformedXML',
      WEBSITE_MESSAGES.malformedXml,
    ],
    ['undefined entity', doc('<IndexDocument><Suffix>&foo;</Suffix></IndexDocument>'), 'MalformedXML', WEBSITE_MESSAGES.malformedXml],
    [
      'code 200 (not 3xx; the SPA extension is off by default)',
      doc(rules(rule('<HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals>', '<HostName>x</HostName><HttpRedirectCode>200</HttpRedirectCode>'))),
      'InvalidRequest',
      WEBSITE_MESSAGES.invalidRedirectCode('200'),
    ],
  ];
  it.each(cases)('%s', (_name, xml, code, message) => {
    expect(parseWebsiteConfiguration(xml)).toEqual({ ok: false, status: 400, code, message });
  });

  it('refuses a body over 128 KB, accepts 50 rules', () => {
    const big = doc(index + `<!--${'x'.repeat(128 * 1024)}-->`);
    expect(parseWebsiteConfiguration(big)).toMatchObject({ ok: false, status: 400, code: 'InvalidRequest', message: WEBSITE_MESSAGES.tooLarge });
    const fifty = parseWebsiteConfiguration(doc(rules(...Array.from({ length: 50 }, () => rule(null, '<HostName>x</HostName>')))));
    expect(fifty.ok && fifty.config.routingRules?.length).toBe(50);
  });

  const withCode = (code: number | string): string =>
    doc(rules(rule('<HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals>', `<ReplaceKeyWith>index.html</ReplaceKeyWith><HttpRedirectCode>${code}</HttpRedirectCode>`)));

  it('accepts every code 301–308', () => {
    for (const code of [301, 302, 303, 304, 305, 306, 307, 308]) {
      const r = parseWebsiteConfiguration(withCode(code));
      expect(r.ok && r.config.routingRules?.[0]?.redirect.httpRedirectCode).toBe(code);
    }
  });

  it('refuses 200 as AWS does, unless the SPA-fallback extension is enabled', () => {
    expect(parseWebsiteConfiguration(withCode(200))).toEqual({ ok: false, code: 'InvalidRequest', status: 400, message: WEBSITE_MESSAGES.invalidRedirectCode('200') });
    const r = parseWebsiteConfiguration(withCode(200), { allowSpaFallback: true });
    expect(r.ok && r.config.routingRules?.[0]?.redirect.httpRedirectCode).toBe(200);
    // other non-3xx codes stay refused either way; the SPA rule serves a key of this bucket only
    expect(parseWebsiteConfiguration(withCode(404), { allowSpaFallback: true }).ok).toBe(false);
    const withHost = doc(rules(rule('<HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals>', '<HostName>x</HostName><HttpRedirectCode>200</HttpRedirectCode>')));
    expect(parseWebsiteConfiguration(withHost, { allowSpaFallback: true })).toEqual({ ok: false, code: 'InvalidRequest', status: 400, message: WEBSITE_MESSAGES.spaRedirectCode });
  });
});

describe('parseWebsiteConfiguration: accepted documents', () => {
  it('reads the aws CLI `s3 website` body (no namespace prefix issues, entities decoded)', () => {
    const r = parseWebsiteConfiguration(
      `<?xml version="1.0" encoding="UTF-8"?>\n<WebsiteConfiguration xmlns="${NS}">\n  <IndexDocument>\n    <Suffix>index.html</Suffix>\n  </IndexDocument>\n  <ErrorDocument><Key>errors/a&amp;b&#x20;c.html</Key></ErrorDocument>\n</WebsiteConfiguration>`,
    );
    expect(r).toEqual({ ok: true, config: { indexDocument: { suffix: 'index.html' }, errorDocument: { key: 'errors/a&b c.html' } } });
  });

  it('keeps an empty ReplaceKeyPrefixWith (it strips the prefix)', () => {
    const r = parseWebsiteConfiguration(doc(rules(rule('<KeyPrefixEquals>docs/</KeyPrefixEquals>', '<ReplaceKeyPrefixWith></ReplaceKeyPrefixWith>'))));
    expect(r.ok && r.config.routingRules?.[0]).toEqual({ condition: { keyPrefixEquals: 'docs/' }, redirect: { replaceKeyPrefixWith: '' } });
  });
});

describe('serializeWebsiteConfiguration', () => {
  const full: WebsiteConfiguration = {
    indexDocument: { suffix: 'index.html' },
    errorDocument: { key: 'error.html' },
    routingRules: [
      {
        condition: { httpErrorCodeReturnedEquals: 404, keyPrefixEquals: 'docs/' },
        redirect: { hostName: 'example.com', httpRedirectCode: 302, protocol: 'https', replaceKeyPrefixWith: 'documents/' },
      },
      { redirect: { replaceKeyWith: 'a<&>.html' } },
    ],
  };

  it('writes schema order with the 2006-03-01 namespace', () => {
    expect(serializeWebsiteConfiguration(full)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<WebsiteConfiguration xmlns="${NS}">` +
        '<IndexDocument><Suffix>index.html</Suffix></IndexDocument>' +
        '<ErrorDocument><Key>error.html</Key></ErrorDocument>' +
        '<RoutingRules><RoutingRule><Condition><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals><KeyPrefixEquals>docs/</KeyPrefixEquals></Condition>' +
        '<Redirect><HostName>example.com</HostName><HttpRedirectCode>302</HttpRedirectCode><Protocol>https</Protocol><ReplaceKeyPrefixWith>documents/</ReplaceKeyPrefixWith></Redirect></RoutingRule>' +
        '<RoutingRule><Redirect><ReplaceKeyWith>a&lt;&amp;&gt;.html</ReplaceKeyWith></Redirect></RoutingRule></RoutingRules>' +
        '</WebsiteConfiguration>',
    );
  });

  it.each<[string, WebsiteConfiguration]>([
    ['full', full],
    ['redirect all', { redirectAllRequestsTo: { hostName: 'example.com', protocol: 'https' } }],
    ['redirect all without protocol', { redirectAllRequestsTo: { hostName: 'example.com' } }],
    ['index only', { indexDocument: { suffix: 'home.htm' } }],
    ['empty prefix replacement', { indexDocument: { suffix: 'i' }, routingRules: [{ condition: { keyPrefixEquals: '' }, redirect: { replaceKeyPrefixWith: '' } }] }],
  ])('round-trips %s', (_name, config) => {
    expect(parseWebsiteConfiguration(serializeWebsiteConfiguration(config))).toEqual({ ok: true, config });
  });
});
