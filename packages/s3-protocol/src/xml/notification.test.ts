import { describe, expect, it } from 'vitest';
import { S3Error } from '../errors.js';
import { parseNotificationConfiguration, serializeNotificationConfiguration, type NotificationConfiguration } from './notification.js';

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const doc = (inner: string): string => `<NotificationConfiguration ${NS}>${inner}</NotificationConfiguration>`;
const queue = (arn: string, events: string[], filter = '', id = ''): string =>
  `<QueueConfiguration>${id ? `<Id>${id}</Id>` : ''}<Queue>${arn}</Queue>${events.map((e) => `<Event>${e}</Event>`).join('')}${filter}</QueueConfiguration>`;
const filter = (rules: Array<[string, string]>): string => `<Filter><S3Key>${rules.map(([n, v]) => `<FilterRule><Name>${n}</Name><Value>${v}</Value></FilterRule>`).join('')}</S3Key></Filter>`;
const Q = 'arn:bucketfront:sqs:us-east-1:000000000000:q';

function parsed(xml: string): NotificationConfiguration {
  const out = parseNotificationConfiguration(xml);
  if (out instanceof S3Error) throw new Error(`${out.code}: ${out.message}`);
  return out;
}

describe('parseNotificationConfiguration: what S3 accepts', () => {
  it('an empty configuration (removes the bucket configuration)', () => {
    expect(parsed(doc(''))).toEqual({ rules: [] });
    expect(parsed(`<NotificationConfiguration ${NS}/>`)).toEqual({ rules: [] });
  });

  it('the three kinds, several events, a prefix and suffix filter (names in any case), its Id', () => {
    const c = parsed(
      doc(
        queue(
          Q,
          ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
          filter([
            ['prefix', 'images/'],
            ['Suffix', '.jpg'],
          ]),
          'img',
        ) +
          '<TopicConfiguration><Topic>arn:bucketfront:sns:us-east-1:000000000000:t</Topic><Event>s3:ObjectCreated:Put</Event>' +
          filter([['Prefix', 'docs/']]) +
          '</TopicConfiguration>' +
          '<CloudFunctionConfiguration><Id>fn</Id><CloudFunction>arn:bucketfront:lambda:us-east-1:000000000000:function:f</CloudFunction><Event>s3:ObjectCreated:Copy</Event>' +
          filter([['prefix', 'fn/']]) +
          '</CloudFunctionConfiguration>',
      ),
    );
    expect(c.rules[0]).toEqual({ id: 'img', kind: 'Queue', arn: Q, events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'], prefix: 'images/', suffix: '.jpg' });
    expect(c.rules[1]).toMatchObject({ kind: 'Topic', events: ['s3:ObjectCreated:Put'], prefix: 'docs/' });
    expect(c.rules[2]).toMatchObject({ id: 'fn', kind: 'CloudFunction', events: ['s3:ObjectCreated:Copy'] });
  });

  it('generates an Id when none is sent (base64 of a UUID, as S3 does)', () => {
    const id = parsed(doc(queue(Q, ['s3:ObjectCreated:*']))).rules[0]!.id;
    expect(Buffer.from(id, 'base64').toString()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('the same event type with filters that cannot both match (different suffixes, disjoint prefixes)', () => {
    expect(
      parsed(
        doc(
          queue(
            Q,
            ['s3:ObjectCreated:*'],
            filter([
              ['prefix', 'a/'],
              ['suffix', '.jpg'],
            ]),
          ) +
            queue(
              Q,
              ['s3:ObjectCreated:Put'],
              filter([
                ['prefix', 'a/'],
                ['suffix', '.png'],
              ]),
            ),
        ),
      ).rules,
    ).toHaveLength(2);
    expect(parsed(doc(queue(Q, ['s3:ObjectCreated:*'], filter([['prefix', 'a/']])) + queue(Q, ['s3:ObjectCreated:*'], filter([['prefix', 'b/']])))).rules).toHaveLength(2);
    // Different event types never overlap.
    expect(parsed(doc(queue(Q, ['s3:ObjectCreated:*']) + queue(Q, ['s3:ObjectRemoved:*']))).rules).toHaveLength(2);
  });

  it('serializes back to what it parsed (GET answers the stored form)', () => {
    const c = parsed(
      doc(
        queue(
          Q,
          ['s3:ObjectCreated:*'],
          filter([
            ['prefix', 'a&amp;b/'],
            ['suffix', '.jpg'],
          ]),
          'x',
        ),
      ),
    );
    expect(c.rules[0]!.prefix).toBe('a&b/');
    expect(parsed(serializeNotificationConfiguration(c))).toEqual(c);
    expect(serializeNotificationConfiguration(c)).toContain('<FilterRule><Name>Prefix</Name><Value>a&amp;b/</Value></FilterRule>');
  });
});

describe('parseNotificationConfiguration: what S3 refuses', () => {
  const cases: Array<[string, string, string, RegExp?]> = [
    ['not XML', 'nope', 'MalformedXML'],
    ['another root', `<Foo ${NS}/>`, 'MalformedXML'],
    ['an unknown element', doc('<Whatever/>'), 'MalformedXML'],
    ['a configuration without its ARN', doc('<QueueConfiguration><Event>s3:ObjectCreated:*</Event></QueueConfiguration>'), 'MalformedXML'],
    ['a configuration without events', doc(`<QueueConfiguration><Queue>${Q}</Queue></QueueConfiguration>`), 'MalformedXML'],
    ['the wrong ARN element for the kind', doc(`<QueueConfiguration><Topic>${Q}</Topic><Event>s3:ObjectCreated:*</Event></QueueConfiguration>`), 'MalformedXML'],
    ['an unknown event', doc(queue(Q, ['s3:ObjectCreated:Nope'])), 'InvalidArgument', /not supported/],
    ['an event without s3:', doc(queue(Q, ['ObjectCreated:*'])), 'InvalidArgument'],
    ['a filter rule that is not prefix or suffix', doc(queue(Q, ['s3:ObjectCreated:*'], filter([['middle', 'x']]))), 'InvalidArgument', /prefix or suffix/],
    [
      'two prefix rules',
      doc(
        queue(
          Q,
          ['s3:ObjectCreated:*'],
          filter([
            ['prefix', 'a'],
            ['Prefix', 'b'],
          ]),
        ),
      ),
      'InvalidArgument',
      /more than one prefix/,
    ],
    [
      'two suffix rules',
      doc(
        queue(
          Q,
          ['s3:ObjectCreated:*'],
          filter([
            ['suffix', 'a'],
            ['suffix', 'b'],
          ]),
        ),
      ),
      'InvalidArgument',
      /more than one suffix/,
    ],
    ['two configurations for one event type without filters', doc(queue(Q, ['s3:ObjectCreated:Put']) + queue(Q, ['s3:ObjectCreated:Put'])), 'InvalidArgument', /Configurations overlap/],
    [
      'a wildcard and an exact name, overlapping prefixes',
      doc(queue(Q, ['s3:ObjectCreated:*'], filter([['prefix', 'a/']])) + queue(Q, ['s3:ObjectCreated:Put'], filter([['prefix', 'a/b/']]))),
      'InvalidArgument',
      /overlap/,
    ],
    ['one filtered, one not', doc(queue(Q, ['s3:ObjectRemoved:*'], filter([['suffix', '.jpg']])) + queue(Q, ['s3:ObjectRemoved:Delete'])), 'InvalidArgument', /overlap/],
    ['overlapping suffixes', doc(queue(Q, ['s3:ObjectCreated:*'], filter([['suffix', '.jpg']])) + queue(Q, ['s3:ObjectCreated:*'], filter([['suffix', 'x.jpg']]))), 'InvalidArgument', /overlap/],
  ];
  it.each(cases)('%s → %s', (_name, xml, code, message) => {
    const out = parseNotificationConfiguration(xml);
    expect(out).toBeInstanceOf(S3Error);
    expect((out as S3Error).code).toBe(code);
    expect((out as S3Error).status).toBe(400);
    if (message) expect((out as S3Error).message).toMatch(message);
  });

  it('more than 1000 configurations → InvalidArgument (a bound on the overlap check)', () => {
    const many = Array.from({ length: 1001 }, (_, i) => queue(Q, ['s3:ObjectCreated:*'], filter([['prefix', `p${i}/`]]))).join('');
    expect((parseNotificationConfiguration(doc(many)) as S3Error).code).toBe('InvalidArgument');
    expect(parsed(doc(Array.from({ length: 1000 }, (_, i) => queue(Q, ['s3:ObjectCreated:*'], filter([['prefix', `p${i}/`]]))).join(''))).rules).toHaveLength(1000);
  });

  it('EventBridge is not implemented (501), not silently accepted', () => {
    const out = parseNotificationConfiguration(doc('<EventBridgeConfiguration/>'));
    expect((out as S3Error).code).toBe('NotImplemented');
  });
});
