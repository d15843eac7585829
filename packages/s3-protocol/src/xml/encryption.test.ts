import { describe, expect, it } from 'vitest';
import { S3Error } from '../errors.js';
import {
  KMS_KEY_NOT_APPLICABLE,
  MAX_ENCRYPTION_CONFIGURATION_BYTES,
  parseServerSideEncryptionConfiguration,
  serializeServerSideEncryptionConfiguration,
  type BucketEncryptionConfiguration,
} from './encryption.js';

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const doc = (rules: string, attrs = NS): string => `<?xml version="1.0" encoding="UTF-8"?>\n<ServerSideEncryptionConfiguration ${attrs}>${rules}</ServerSideEncryptionConfiguration>`;
const rule = (byDefault: string, extra = ''): string => `<Rule><ApplyServerSideEncryptionByDefault>${byDefault}</ApplyServerSideEncryptionByDefault>${extra}</Rule>`;

// Request bodies in the form of https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html
const valid: [name: string, xml: string, expected: BucketEncryptionConfiguration][] = [
  ['SSE-S3', doc(rule('<SSEAlgorithm>AES256</SSEAlgorithm>')), { rules: [{ sseAlgorithm: 'AES256' }] }],
  [
    'SSE-KMS with a key',
    doc(rule('<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>arn:aws:kms:us-east-1:1234:key/abc</KMSMasterKeyID>')),
    { rules: [{ sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'arn:aws:kms:us-east-1:1234:key/abc' }] },
  ],
  ['SSE-KMS, the AWS managed key', doc(rule('<SSEAlgorithm>aws:kms</SSEAlgorithm>')), { rules: [{ sseAlgorithm: 'aws:kms' }] }],
  ['DSSE-KMS, element order free', doc(rule('<KMSMasterKeyID>k1</KMSMasterKeyID><SSEAlgorithm>aws:kms:dsse</SSEAlgorithm>')), { rules: [{ sseAlgorithm: 'aws:kms:dsse', kmsMasterKeyId: 'k1' }] }],
  ['BucketKeyEnabled true', doc(rule('<SSEAlgorithm>aws:kms</SSEAlgorithm>', '<BucketKeyEnabled>true</BucketKeyEnabled>')), { rules: [{ sseAlgorithm: 'aws:kms', bucketKeyEnabled: true }] }],
  [
    'BucketKeyEnabled false with SSE-S3',
    doc(rule('<SSEAlgorithm>AES256</SSEAlgorithm>', '<BucketKeyEnabled>false</BucketKeyEnabled>')),
    { rules: [{ sseAlgorithm: 'AES256', bucketKeyEnabled: false }] },
  ],
  [
    'no namespace, pretty-printed',
    `<ServerSideEncryptionConfiguration>\n  <Rule>\n    <ApplyServerSideEncryptionByDefault>\n      <SSEAlgorithm>AES256</SSEAlgorithm>\n    </ApplyServerSideEncryptionByDefault>\n  </Rule>\n</ServerSideEncryptionConfiguration>\n`,
    { rules: [{ sseAlgorithm: 'AES256' }] },
  ],
  ['an escaped key id', doc(rule('<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/a&amp;b</KMSMasterKeyID>')), { rules: [{ sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'alias/a&b' }] }],
];

const malformed: [name: string, body: string][] = [
  ['not XML', 'AES256'],
  ['not well-formed', doc('<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></Rule>')],
  ['empty', ''],
  ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY a "AES256">]>${doc(rule('<SSEAlgorithm>&a;</SSEAlgorithm>'))}`],
  ['another root', `<ServerSideEncryptionRule ${NS}>${rule('<SSEAlgorithm>AES256</SSEAlgorithm>')}</ServerSideEncryptionRule>`],
  ['no rule', doc('')],
  ['two rules', doc(rule('<SSEAlgorithm>AES256</SSEAlgorithm>') + rule('<SSEAlgorithm>aws:kms</SSEAlgorithm>'))],
  ['an empty rule', doc('<Rule></Rule>')],
  ['a rule without ApplyServerSideEncryptionByDefault', doc('<Rule><BucketKeyEnabled>true</BucketKeyEnabled></Rule>')],
  ['no SSEAlgorithm', doc(rule('<KMSMasterKeyID>k</KMSMasterKeyID>'))],
  ['an unknown SSEAlgorithm', doc(rule('<SSEAlgorithm>AES512</SSEAlgorithm>'))],
  ['SSEAlgorithm in the wrong case', doc(rule('<SSEAlgorithm>aes256</SSEAlgorithm>'))],
  ['aws:fsx (not for general purpose buckets)', doc(rule('<SSEAlgorithm>aws:fsx</SSEAlgorithm>'))],
  ['two SSEAlgorithms', doc(rule('<SSEAlgorithm>AES256</SSEAlgorithm><SSEAlgorithm>aws:kms</SSEAlgorithm>'))],
  ['an empty KMSMasterKeyID', doc(rule('<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID></KMSMasterKeyID>'))],
  ['BucketKeyEnabled not a boolean', doc(rule('<SSEAlgorithm>aws:kms</SSEAlgorithm>', '<BucketKeyEnabled>yes</BucketKeyEnabled>'))],
  ['an unknown element in the rule', doc(rule('<SSEAlgorithm>AES256</SSEAlgorithm>', '<Priority>1</Priority>'))],
  ['an unknown element in ApplyServerSideEncryptionByDefault', doc(rule('<SSEAlgorithm>AES256</SSEAlgorithm><KMSKeyID>k</KMSKeyID>'))],
  ['an unknown element beside the rule', doc(`${rule('<SSEAlgorithm>AES256</SSEAlgorithm>')}<Status>Enabled</Status>`)],
  ['text beside the rule', doc(`${rule('<SSEAlgorithm>AES256</SSEAlgorithm>')}junk`)],
  ['too large', doc(rule('<SSEAlgorithm>AES256</SSEAlgorithm>') + ' '.repeat(MAX_ENCRYPTION_CONFIGURATION_BYTES))],
];

describe('parseServerSideEncryptionConfiguration', () => {
  it.each(valid)('%s', (_name, xml, expected) => {
    expect(parseServerSideEncryptionConfiguration(xml)).toEqual(expected);
    expect(parseServerSideEncryptionConfiguration(Buffer.from(xml))).toEqual(expected);
  });

  it.each(malformed)('%s → MalformedXML 400', (_name, body) => {
    const err = parseServerSideEncryptionConfiguration(body);
    expect(err).toBeInstanceOf(S3Error);
    expect(err).toMatchObject({ code: 'MalformedXML', status: 400 });
  });

  it.each(['AES256', ' AES256 '])('a KMSMasterKeyID with SSE-S3 (%j) → InvalidArgument 400 naming ApplyServerSideEncryptionByDefault', (algorithm) => {
    const err = parseServerSideEncryptionConfiguration(doc(rule(`<SSEAlgorithm>${algorithm}</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID>`)));
    expect(err).toBeInstanceOf(S3Error);
    expect(err).toMatchObject({ code: 'InvalidArgument', status: 400, message: KMS_KEY_NOT_APPLICABLE, detail: { ArgumentName: 'ApplyServerSideEncryptionByDefault' } });
  });

  it('BlockedEncryptionTypes (SSE-C blocking) → NotImplemented 501', () => {
    const err = parseServerSideEncryptionConfiguration(doc(rule('<SSEAlgorithm>AES256</SSEAlgorithm>', '<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes>')));
    expect(err).toMatchObject({ code: 'NotImplemented', status: 501 });
  });
});

describe('serializeServerSideEncryptionConfiguration', () => {
  it('writes the S3 document, element order as in the API reference', () => {
    expect(serializeServerSideEncryptionConfiguration({ rules: [{ sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'a<b', bucketKeyEnabled: false }] })).toBe(
      doc(rule('<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>a&lt;b</KMSMasterKeyID>', '<BucketKeyEnabled>false</BucketKeyEnabled>')),
    );
    expect(serializeServerSideEncryptionConfiguration({ rules: [{ sseAlgorithm: 'AES256' }] })).toBe(doc(rule('<SSEAlgorithm>AES256</SSEAlgorithm>')));
  });

  it.each(valid)('round-trips %s', (_name, _xml, config) => {
    expect(parseServerSideEncryptionConfiguration(serializeServerSideEncryptionConfiguration(config))).toEqual(config);
  });
});
