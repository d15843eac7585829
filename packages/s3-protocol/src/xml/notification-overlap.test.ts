/**
 * The overlap check of PutBucketNotificationConfiguration against its definition
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html):
 * two configurations overlap when they share an event type and neither prefixes nor suffixes
 * tell them apart. The check uses sorted runs and event bit masks to stay fast on 1,000
 * configurations; here it is compared, on many random configurations, with the pairwise definition.
 */
import { describe, expect, it } from 'vitest';
import { S3Error } from '../errors.js';
import { parseNotificationConfiguration } from './notification.js';

const doc = (inner: string): string => `<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</NotificationConfiguration>`;

interface Conf {
  events: string[];
  prefix?: string;
  suffix?: string;
}

const xmlOf = (confs: Conf[]): string =>
  doc(
    confs
      .map((c, i) => {
        const rules = [c.prefix !== undefined ? ['prefix', c.prefix] : null, c.suffix !== undefined ? ['suffix', c.suffix] : null].filter((r) => r !== null);
        const filter = rules.length ? `<Filter><S3Key>${rules.map(([n, v]) => `<FilterRule><Name>${n}</Name><Value>${v}</Value></FilterRule>`).join('')}</S3Key></Filter>` : '';
        return `<QueueConfiguration><Id>c${i}</Id><Queue>arn:q</Queue>${c.events.map((e) => `<Event>${e}</Event>`).join('')}${filter}</QueueConfiguration>`;
      })
      .join(''),
  );

/** The definition, pair by pair. */
function overlapsByDefinition(confs: Conf[]): boolean {
  const covers = (x: string, y: string): boolean => x === y || (x.endsWith(':*') && y.startsWith(x.slice(0, -1)));
  for (let i = 0; i < confs.length; i++) {
    for (let j = i + 1; j < confs.length; j++) {
      const a = confs[i]!;
      const b = confs[j]!;
      if (!a.events.some((x) => b.events.some((y) => covers(x, y) || covers(y, x)))) continue;
      const p = !a.prefix || !b.prefix || a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
      const s = !a.suffix || !b.suffix || a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
      if (p && s) return true;
    }
  }
  return false;
}

const isOverlap = (out: unknown): boolean => out instanceof S3Error && out.code === 'InvalidArgument' && out.message.startsWith('Configurations overlap');

describe('notification configurations: the overlap check', () => {
  it('examples: nested and disjoint prefixes, suffixes, wildcards, empty values, non-BMP characters', () => {
    const put = ['s3:ObjectCreated:Put'];
    const cases: Array<[Conf[], boolean]> = [
      [
        [
          { events: put, prefix: 'a' },
          { events: put, prefix: 'ab' },
        ],
        true,
      ],
      [
        [
          { events: put, prefix: 'ab' },
          { events: put, prefix: 'ac' },
        ],
        false,
      ],
      [
        [
          { events: put, prefix: 'ab', suffix: '.jpg' },
          { events: put, prefix: 'a', suffix: '.png' },
        ],
        false,
      ],
      [
        [
          { events: put, suffix: '.jpg' },
          { events: put, suffix: 'g' },
        ],
        true,
      ],
      [
        [
          { events: put, prefix: '' },
          { events: put, prefix: 'x' },
        ],
        true,
      ],
      [
        [
          { events: ['s3:ObjectCreated:*'], prefix: 'x' },
          { events: put, prefix: 'x/y' },
        ],
        true,
      ],
      [[{ events: ['s3:ObjectCreated:*'] }, { events: ['s3:ObjectRemoved:*'] }], false],
      [
        [
          { events: put, suffix: '😀' },
          { events: put, suffix: 'a😀' },
        ],
        true,
      ],
      [
        [
          { events: put, suffix: '😀' },
          { events: put, suffix: '😁' },
        ],
        false,
      ],
      [
        [
          { events: put, prefix: 'x', suffix: 'a' },
          { events: put, prefix: 'y' },
          { events: put, prefix: 'x', suffix: 'ba' },
        ],
        true,
      ],
    ];
    for (const [confs, overlaps] of cases) expect([confs, isOverlap(parseNotificationConfiguration(xmlOf(confs)))]).toEqual([confs, overlaps]);
  });

  it('agrees with the pairwise definition on 2,000 random configurations sets', () => {
    // A small alphabet, so that nested, equal and disjoint values all come up often.
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = (): string | undefined => (random(4) === 0 ? undefined : Array.from({ length: random(4) }, () => 'ab😀'[random(3)]).join(''));
    const eventChoices = ['s3:ObjectCreated:*', 's3:ObjectCreated:Put', 's3:ObjectCreated:Copy', 's3:ObjectRemoved:*', 's3:ObjectRemoved:Delete', 's3:ObjectTagging:Put'];
    let overlapping = 0;
    for (let n = 0; n < 2000; n++) {
      const confs: Conf[] = Array.from({ length: 2 + random(5) }, () => {
        const c: Conf = { events: [...new Set(Array.from({ length: 1 + random(2) }, () => eventChoices[random(eventChoices.length)]!))] };
        const prefix = word();
        const suffix = word();
        if (prefix !== undefined) c.prefix = prefix;
        if (suffix !== undefined) c.suffix = suffix;
        return c;
      });
      const expected = overlapsByDefinition(confs);
      if (expected) overlapping++;
      expect([confs, isOverlap(parseNotificationConfiguration(xmlOf(confs)))]).toEqual([confs, expected]);
    }
    // Both outcomes were exercised.
    expect(overlapping).toBeGreaterThan(100);
    expect(overlapping).toBeLessThan(1900);
  });

  it('1,000 configurations with long, nested-looking prefixes that never overlap are accepted', () => {
    const long = 'p'.repeat(400);
    const confs: Conf[] = Array.from({ length: 1000 }, (_, i) => ({ events: [i % 2 ? 's3:ObjectCreated:Put' : 's3:ObjectRemoved:Delete'], prefix: `${long}${String(i).padStart(4, '0')}` }));
    const out = parseNotificationConfiguration(xmlOf(confs));
    expect(out instanceof S3Error ? out.code : out.rules.length).toBe(1000);
    // The first one replaced by one that nests inside the last one: refused.
    confs[0] = { events: ['s3:ObjectCreated:*'], prefix: `${long}0999/x` };
    expect(isOverlap(parseNotificationConfiguration(xmlOf(confs)))).toBe(true);
  });
});
