import { describe, expect, it } from 'vitest';
import { S3Error } from '../errors.js';
import type { XmlCodec } from './codec.js';
import * as docs from './documents.js';
import { AccessControlPolicyXml, ALL_USERS_URI, LocationConstraintXml } from './special.js';

const d1 = new Date('2026-11-25T10:00:00.000Z');
const owner = { id: 'abc123', displayName: 'bucketfront' };

// Each document serialized then parsed must give back the same value.
// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous table, one codec type per row
const cases: [string, XmlCodec<any>, unknown][] = [
  [
    'ListAllMyBucketsResult',
    docs.ListAllMyBucketsResultXml,
    {
      owner,
      buckets: [
        { name: 'a-b', creationDate: d1, bucketRegion: 'us-east-1' },
        { name: 'c.d', creationDate: d1 },
      ],
    },
  ],
  ['ListAllMyBucketsResult (empty)', docs.ListAllMyBucketsResultXml, { owner, buckets: [] }],
  ['CreateBucketConfiguration', docs.CreateBucketConfigurationXml, { locationConstraint: 'eu-west-1' }],
  [
    'ListBucketResult v1',
    docs.ListBucketResultV1Xml,
    {
      name: 'b',
      prefix: 'p/',
      marker: '',
      nextMarker: 'p/z',
      maxKeys: 2,
      delimiter: '/',
      isTruncated: true,
      encodingType: 'url',
      contents: [{ key: 'p/a&<>"\'', lastModified: d1, etag: '"e1"', size: 3, owner, storageClass: 'STANDARD' }],
      commonPrefixes: [{ prefix: 'p/d/' }],
    },
  ],
  [
    'ListBucketResult v2',
    docs.ListBucketResultV2Xml,
    {
      name: 'b',
      prefix: '',
      maxKeys: 1000,
      keyCount: 1,
      isTruncated: false,
      continuationToken: 'dG9r',
      startAfter: 'a',
      contents: [{ key: ' spaced key ', lastModified: d1, etag: '"e"', size: 0, storageClass: 'STANDARD', checksumAlgorithm: 'CRC32' }],
      commonPrefixes: [],
    },
  ],
  [
    'ListVersionsResult',
    docs.ListVersionsResultXml,
    {
      name: 'b',
      prefix: 'p/',
      keyMarker: 'p/a',
      versionIdMarker: 'null',
      nextKeyMarker: 'p/c',
      nextVersionIdMarker: 'null',
      maxKeys: 2,
      delimiter: '/',
      isTruncated: true,
      encodingType: 'url',
      entries: [
        { kind: 'Version', key: 'p/c', versionId: 'v2', isLatest: false, lastModified: d1, etag: '"e"', size: 1, owner, storageClass: 'STANDARD', checksumAlgorithm: 'CRC32' },
        { kind: 'Version', key: 'p/c', versionId: 'null', isLatest: false, lastModified: d1, etag: '"e"', size: 1, storageClass: 'STANDARD' },
        { kind: 'DeleteMarker', key: 'p/c', versionId: 'v3', isLatest: true, lastModified: d1, owner },
      ],
      commonPrefixes: [{ prefix: 'p/b/' }],
    },
  ],
  ['Delete', docs.DeleteXml, { quiet: true, objects: [{ key: '0001' }, { key: 'a\r\nb', versionId: 'null' }] }],
  ['DeleteResult', docs.DeleteResultXml, { deleted: [{ key: 'a' }], errors: [{ key: 'b', code: 'AccessDenied', message: 'Access Denied' }] }],
  [
    'DeleteResult (versions and delete markers)',
    docs.DeleteResultXml,
    {
      deleted: [
        { key: 'a', deleteMarker: true, deleteMarkerVersionId: 'm1' },
        { key: 'b', versionId: 'v1' },
        { key: 'c', versionId: 'm2', deleteMarker: true, deleteMarkerVersionId: 'm2' },
      ],
      errors: [],
    },
  ],
  ['CopyObjectResult', docs.CopyObjectResultXml, { etag: '"x"', lastModified: d1, checksumCRC32: 'AAAAAA==' }],
  ['CopyPartResult', docs.CopyPartResultXml, { etag: '"x"', lastModified: d1 }],
  ['InitiateMultipartUploadResult', docs.InitiateMultipartUploadResultXml, { bucket: 'b', key: 'k/é', uploadId: 'u1' }],
  [
    'CompleteMultipartUpload',
    docs.CompleteMultipartUploadXml,
    {
      parts: [
        { partNumber: 1, etag: '"a"', checksumCRC32: 'x==' },
        { partNumber: 2, etag: '"b"' },
      ],
    },
  ],
  ['CompleteMultipartUploadResult', docs.CompleteMultipartUploadResultXml, { location: 'http://h/b/k', bucket: 'b', key: 'k', etag: '"e-2"', checksumCRC32: 'abc=-2', checksumType: 'COMPOSITE' }],
  ['PostResponse', docs.PostResponseXml, { location: 'http://h/b/k%20x', bucket: 'b', key: 'k x', etag: '"e"' }],
  [
    'ListPartsResult',
    docs.ListPartsResultXml,
    {
      bucket: 'b',
      key: 'k',
      uploadId: 'u',
      initiator: owner,
      owner,
      storageClass: 'STANDARD',
      partNumberMarker: 0,
      nextPartNumberMarker: 1,
      maxParts: 1,
      isTruncated: true,
      parts: [{ partNumber: 1, lastModified: d1, etag: '"p"', size: 5 }],
    },
  ],
  [
    'ListMultipartUploadsResult',
    docs.ListMultipartUploadsResultXml,
    {
      bucket: 'b',
      keyMarker: '',
      uploadIdMarker: '',
      maxUploads: 1000,
      isTruncated: false,
      prefix: '',
      uploads: [{ key: 'k', uploadId: 'u', initiator: owner, owner, storageClass: 'STANDARD', initiated: d1 }],
      commonPrefixes: [{ prefix: 'd/' }],
    },
  ],
  ['VersioningConfiguration', docs.VersioningConfigurationXml, {}],
  ['VersioningConfiguration (Enabled)', docs.VersioningConfigurationXml, { status: 'Enabled', mfaDelete: 'Disabled' }],
];

describe('XML codecs round-trip', () => {
  it.each(cases)('%s', (_name, codec, value) => {
    const xml = codec.serialize(value);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<')).toBe(true);
    expect(codec.parse(xml)).toEqual(value);
  });

  it('ListVersionsResult: versions and delete markers are written in the order given', () => {
    const entry = (kind: 'Version' | 'DeleteMarker', versionId: string) =>
      kind === 'Version'
        ? { kind, key: 'k', versionId, isLatest: false, lastModified: d1, etag: '"e"', size: 1, storageClass: 'STANDARD' }
        : { kind, key: 'k', versionId, isLatest: false, lastModified: d1 };
    const xml = docs.ListVersionsResultXml.serialize({
      name: 'b',
      prefix: '',
      keyMarker: '',
      versionIdMarker: '',
      maxKeys: 1000,
      isTruncated: false,
      entries: [entry('DeleteMarker', 'm2'), entry('Version', 'v2'), entry('DeleteMarker', 'm1'), entry('Version', 'v1')],
      commonPrefixes: [],
    });
    const order = [...xml.matchAll(/<(Version|DeleteMarker)><Key>k<\/Key><VersionId>(\w+)</g)].map((m) => `${m[1]}:${m[2]}`);
    expect(order).toEqual(['DeleteMarker:m2', 'Version:v2', 'DeleteMarker:m1', 'Version:v1']);
    expect(xml).toContain('<DeleteMarker><Key>k</Key><VersionId>m2</VersionId><IsLatest>false</IsLatest><LastModified>2026-11-25T10:00:00.000Z</LastModified></DeleteMarker>');
  });

  it('LocationConstraint: us-east-1 is empty', () => {
    expect(LocationConstraintXml.serialize('us-east-1')).toContain('<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>');
    expect(LocationConstraintXml.parse(LocationConstraintXml.serialize('us-east-1'))).toBe('us-east-1');
    expect(LocationConstraintXml.parse(LocationConstraintXml.serialize('eu-west-3'))).toBe('eu-west-3');
  });

  it('AccessControlPolicy', () => {
    const acp = {
      owner,
      grants: [
        { grantee: { type: 'CanonicalUser' as const, ...owner }, permission: 'FULL_CONTROL' as const },
        { grantee: { type: 'Group' as const, uri: ALL_USERS_URI }, permission: 'READ' as const },
      ],
    };
    const xml = AccessControlPolicyXml.serialize(acp);
    expect(xml).toContain('xsi:type="Group"');
    expect(AccessControlPolicyXml.parse(xml)).toEqual(acp);
  });
});

describe('XML parsing is hardened', () => {
  const bomb =
    `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
    Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
    `]><Delete><Object><Key>&lol9;</Key></Object></Delete>`;

  it.each([
    ['entity bomb', bomb],
    ['external entity', '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>'],
    ['undeclared entity', '<Delete><Object><Key>&lol;</Key></Object></Delete>'],
    ['not well-formed', '<Delete><Object><Key>a</Object></Delete>'],
    ['wrong root', '<Remove><Object><Key>a</Key></Object></Remove>'],
    ['missing required child', '<Delete><Object></Object></Delete>'],
    ['bad boolean', '<Delete><Quiet>yes</Quiet><Object><Key>a</Key></Object></Delete>'],
    ['empty', ''],
    ['not xml', '{"json": true}'],
    ['duplicate scalar', '<Delete><Quiet>true</Quiet><Quiet>false</Quiet></Delete>'],
    ['NUL char ref', '<Delete><Object><Key>&#0;</Key></Object></Delete>'],
  ])('%s → MalformedXML', (_name, xml) => {
    const before = process.memoryUsage().heapUsed;
    const out = docs.DeleteXml.parse(xml);
    expect(out).toBeInstanceOf(S3Error);
    expect((out as S3Error).code).toBe('MalformedXML');
    // Bounded memory: nothing close to the 10^9-byte expansion was allocated.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('rejects documents over the size limit', () => {
    const big = `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1000)}</Delete>`;
    expect(docs.DeleteXml.parse(big, { maxBytes: 1000 })).toBeInstanceOf(S3Error);
    expect(docs.DeleteXml.parse(big)).toMatchObject({ objects: expect.any(Array) });
  });

  it('decodes predefined and numeric entities, keeps whitespace in keys', () => {
    const out = docs.DeleteXml.parse('<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n <Object><Key> a&amp;b&#x263A;&#65; </Key></Object>\n</Delete>');
    expect(out).toEqual({ objects: [{ key: ' a&b☺A ' }] });
  });
});
