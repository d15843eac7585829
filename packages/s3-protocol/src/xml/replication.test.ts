import { describe, expect, it } from 'vitest';
import { S3Error } from '../errors.js';
import {
  parseReplicationConfiguration,
  replicatesDeleteMarkers,
  replicatesExistingObjects,
  selectReplicationRule,
  serializeReplicationConfiguration,
  type ReplicationConfiguration,
} from './replication.js';

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const ROLE = '<Role>arn:aws:iam::123456789012:role/replication</Role>';
const DEST = '<Destination><Bucket>arn:aws:s3:::dest</Bucket></Destination>';
const doc = (rules: string, role = ROLE): string => `<ReplicationConfiguration ${NS}>${role}${rules}</ReplicationConfiguration>`;
const v2 = (inner: string, priority = 1, dmr = 'Disabled'): string =>
  `<Rule><ID>r${priority}</ID><Priority>${priority}</Priority><Status>Enabled</Status>${inner}<DeleteMarkerReplication><Status>${dmr}</Status></DeleteMarkerReplication>${DEST}</Rule>`;

function ok(xml: string): ReplicationConfiguration {
  const parsed = parseReplicationConfiguration(xml);
  if (parsed instanceof S3Error) throw new Error(`${parsed.code}: ${parsed.message}`);
  return parsed;
}

describe('ReplicationConfiguration', () => {
  it('V1: a top-level Prefix, no Priority; an ID is generated when absent; delete markers replicate', () => {
    const c = ok(doc(`<Rule><Status>Enabled</Status><Prefix>logs/</Prefix>${DEST}</Rule>`));
    expect(c.rules).toHaveLength(1);
    expect(c.rules[0]).toMatchObject({ status: 'Enabled', legacyPrefix: 'logs/', destination: { bucket: 'dest' } });
    expect(c.rules[0]!.id.length).toBeGreaterThan(0);
    expect(replicatesDeleteMarkers(c.rules[0]!)).toBe(true);
    expect(ok(serializeReplicationConfiguration(c))).toEqual(c);
  });

  it('V2: every filter form round-trips; StorageClass and ExistingObjectReplication Disabled are kept', () => {
    const xml = doc(
      v2('<Filter/>', 1) +
        v2('<Filter><Prefix>a/&amp;</Prefix></Filter>', 2, 'Enabled') +
        v2('<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>', 3) +
        v2('<Filter><And><Prefix>p/</Prefix><Tag><Key>k1</Key><Value>v1</Value></Tag><Tag><Key>k2</Key><Value></Value></Tag></And></Filter>', 4) +
        `<Rule><ID>sc</ID><Priority>9</Priority><Filter><Prefix>x</Prefix></Filter><Status>Disabled</Status><ExistingObjectReplication><Status>Disabled</Status></ExistingObjectReplication><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>arn:aws:s3:::dest</Bucket><StorageClass>STANDARD_IA</StorageClass></Destination></Rule>`,
    );
    const c = ok(xml);
    expect(c.rules.map((r) => r.filter?.form)).toEqual(['empty', 'prefix', 'tag', 'and', 'prefix']);
    expect(c.rules[1]!.filter!.prefix).toBe('a/&');
    expect(c.rules[3]!.filter!.tags).toEqual([
      { key: 'k1', value: 'v1' },
      { key: 'k2', value: '' },
    ]);
    expect(c.rules[4]).toMatchObject({ status: 'Disabled', existingObjectReplication: 'Disabled', destination: { bucket: 'dest', storageClass: 'STANDARD_IA' } });
    expect(ok(serializeReplicationConfiguration(c))).toEqual(c);
  });

  it('ExistingObjectReplication Enabled is kept and asks for existing objects (on an enabled rule only)', () => {
    const eor = (status: string, ruleStatus = 'Enabled'): string =>
      doc(
        `<Rule><ID>e</ID><Priority>1</Priority><Filter/><Status>${ruleStatus}</Status><ExistingObjectReplication><Status>${status}</Status></ExistingObjectReplication><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>${DEST}</Rule>`,
      );
    const c = ok(eor('Enabled'));
    expect(c.rules[0]!.existingObjectReplication).toBe('Enabled');
    expect(replicatesExistingObjects(c)).toBe(true);
    expect(ok(serializeReplicationConfiguration(c))).toEqual(c);
    expect(replicatesExistingObjects(ok(eor('Disabled')))).toBe(false);
    expect(replicatesExistingObjects(ok(eor('Enabled', 'Disabled')))).toBe(false);
    expect(replicatesExistingObjects(ok(doc(v2('<Filter/>'))))).toBe(false);
  });

  it('selects the enabled matching rule with the highest priority; tags must all match', () => {
    const c = ok(doc(v2('<Filter><Prefix>a</Prefix></Filter>', 1, 'Enabled') + v2('<Filter><Prefix>ab</Prefix></Filter>', 5) + v2('<Filter><Tag><Key>t</Key><Value>1</Value></Tag></Filter>', 9)));
    const none = new Map<string, string>();
    expect(selectReplicationRule(c, 'abc', none)?.id).toBe('r5');
    expect(selectReplicationRule(c, 'ax', none)?.id).toBe('r1');
    expect(selectReplicationRule(c, 'abc', new Map([['t', '1']]))?.id).toBe('r9');
    expect(selectReplicationRule(c, 'zzz', new Map([['t', '2']]))).toBeNull();
    expect(replicatesDeleteMarkers(c.rules[0]!)).toBe(true);
    expect(replicatesDeleteMarkers(c.rules[1]!)).toBe(false);
  });

  it.each([
    ['not XML', '<ReplicationConfiguration', 'MalformedXML'],
    ['another root', `<Replication ${NS}/>`, 'MalformedXML'],
    ['no rule', doc(''), 'MalformedXML'],
    ['no Role', doc(`<Rule><Status>Enabled</Status>${DEST}</Rule>`, ''), 'MalformedXML'],
    ['unknown element', doc(`<Rule><Status>Enabled</Status><Color>red</Color>${DEST}</Rule>`), 'MalformedXML'],
    ['bad Status', doc(`<Rule><Status>On</Status>${DEST}</Rule>`), 'MalformedXML'],
    ['no Destination', doc('<Rule><Status>Enabled</Status></Rule>'), 'MalformedXML'],
    ['Filter with Prefix and Tag', doc(v2('<Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter>')), 'MalformedXML'],
    [
      'Prefix and Filter',
      doc(`<Rule><Priority>1</Priority><Status>Enabled</Status><Prefix>a</Prefix><Filter/><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>${DEST}</Rule>`),
      'MalformedXML',
    ],
    ['V1 and V2 rules mixed', doc(`${v2('<Filter/>')}<Rule><Status>Enabled</Status><Prefix>b</Prefix>${DEST}</Rule>`), 'MalformedXML'],
    ['a non-numeric priority', doc(v2('<Filter/>').replace('<Priority>1</Priority>', '<Priority>high</Priority>')), 'MalformedXML'],
    ['an unknown storage class', doc(v2('<Filter/>').replace('</Bucket>', '</Bucket><StorageClass>GOLD</StorageClass>')), 'MalformedXML'],
    ['not a bucket ARN', doc(`<Rule><Status>Enabled</Status><Destination><Bucket>dest</Bucket></Destination></Rule>`), 'InvalidArgument'],
    ['duplicate IDs', doc(v2('<Filter/>', 1).replace('<ID>r1</ID>', '<ID>x</ID>') + v2('<Filter/>', 2).replace('<ID>r2</ID>', '<ID>x</ID>')), 'InvalidArgument'],
    ['Filter without Priority', doc(`<Rule><Status>Enabled</Status><Filter/><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>${DEST}</Rule>`), 'InvalidRequest'],
    ['Filter without DeleteMarkerReplication', doc(`<Rule><Priority>1</Priority><Status>Enabled</Status><Filter/>${DEST}</Rule>`), 'InvalidRequest'],
    ['Priority in a V1 rule', doc(`<Rule><Priority>1</Priority><Status>Enabled</Status>${DEST}</Rule>`), 'InvalidRequest'],
    ['several V1 rules', doc(`<Rule><Status>Enabled</Status><Prefix>a</Prefix>${DEST}</Rule><Rule><Status>Enabled</Status><Prefix>b</Prefix>${DEST}</Rule>`), 'InvalidRequest'],
    ['duplicate priorities', doc(v2('<Filter/>', 1) + v2('<Filter/>', 1).replace('<ID>r1</ID>', '<ID>other</ID>')), 'InvalidRequest'],
    ['delete markers with a tag filter', doc(v2('<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>', 1, 'Enabled')), 'InvalidRequest'],
    ['delete markers with And tags', doc(v2('<Filter><And><Prefix>p</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter>', 1, 'Enabled')), 'InvalidRequest'],
    ['duplicate tag keys', doc(v2('<Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter>')), 'InvalidRequest'],
    ['two destination buckets', doc(v2('<Filter/>', 1) + v2('<Filter/>', 2).replace('arn:aws:s3:::dest', 'arn:aws:s3:::other')), 'InvalidRequest'],
    [
      'a KMS replica key',
      doc(`<Rule><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dest</Bucket><EncryptionConfiguration><ReplicaKmsKeyID>k</ReplicaKmsKeyID></EncryptionConfiguration></Destination></Rule>`),
      'NotImplemented',
    ],
  ])('%s → %s', (_name, xml, code) => {
    const parsed = parseReplicationConfiguration(xml);
    expect(parsed).toBeInstanceOf(S3Error);
    expect((parsed as S3Error).code).toBe(code);
  });
});
