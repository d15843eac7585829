import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveSigningKey } from './signing-key.js';
import { signPostPolicyV2, signPostPolicyV4, verifyPostPolicy } from './post-policy.js';

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const akid = 'AKIAIOSFODNN7EXAMPLE';
const policy = Buffer.from(JSON.stringify({ expiration: '2030-01-01T00:00:00Z', conditions: [{ bucket: 'b' }] })).toString('base64');
const lookupSecret = (id: string): string | undefined => (id === akid ? secret : undefined);
const opts = { lookupSecret, region: 'us-east-1' };

function v4Fields(overrides: Record<string, string | undefined> = {}): Map<string, string> {
  const base: Record<string, string | undefined> = {
    'x-amz-algorithm': 'AWS4-HMAC-SHA256',
    'x-amz-credential': `${akid}/20300101/us-east-1/s3/aws4_request`,
    'x-amz-date': '20300101T000000Z',
    'x-amz-signature': signPostPolicyV4(secret, { date: '20300101', region: 'us-east-1', service: 's3' }, policy),
    ...overrides,
  };
  return new Map(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
}

describe('POST policy signatures', () => {
  it('SigV4 is the hex HMAC-SHA256 of the base64 policy under the derived signing key', () => {
    const key = deriveSigningKey(secret, '20300101', 'us-east-1', 's3');
    expect(signPostPolicyV4(secret, { date: '20300101', region: 'us-east-1', service: 's3' }, policy)).toBe(createHmac('sha256', key).update(policy).digest('hex'));
    expect(verifyPostPolicy(v4Fields(), policy, opts)).toEqual({ kind: 'signed', accessKeyId: akid, version: 'v4' });
  });

  it('SigV2 is the base64 HMAC-SHA1 of the base64 policy with the secret', () => {
    const sig = signPostPolicyV2(secret, policy);
    expect(sig).toBe(createHmac('sha1', secret).update(policy).digest('base64'));
    expect(
      verifyPostPolicy(
        new Map([
          ['awsaccesskeyid', akid],
          ['signature', sig],
        ]),
        policy,
        opts,
      ),
    ).toEqual({ kind: 'signed', accessKeyId: akid, version: 'v2' });
  });

  it.each<[string, Map<string, string>, string, number]>([
    ['another policy', v4Fields({ 'x-amz-signature': signPostPolicyV4(secret, { date: '20300101', region: 'us-east-1', service: 's3' }, `${policy}x`) }), 'SignatureDoesNotMatch', 403],
    ['unknown key', v4Fields({ 'x-amz-credential': `AKIDNOBODY/20300101/us-east-1/s3/aws4_request` }), 'InvalidAccessKeyId', 403],
    ['other region', v4Fields({ 'x-amz-credential': `${akid}/20300101/eu-west-1/s3/aws4_request` }), 'AuthorizationQueryParametersError', 400],
    ['other service', v4Fields({ 'x-amz-credential': `${akid}/20300101/us-east-1/sqs/aws4_request` }), 'InvalidArgument', 400],
    ['malformed credential', v4Fields({ 'x-amz-credential': 'nonsense' }), 'InvalidArgument', 400],
    ['x-amz-date of another day', v4Fields({ 'x-amz-date': '20300102T000000Z' }), 'InvalidArgument', 400],
    ['unsupported algorithm', v4Fields({ 'x-amz-algorithm': 'AWS4-HMAC-SHA1' }), 'InvalidArgument', 400],
    ['no x-amz-signature', v4Fields({ 'x-amz-signature': undefined }), 'InvalidArgument', 400],
    ['x-amz-signature without x-amz-algorithm', v4Fields({ 'x-amz-algorithm': undefined }), 'InvalidArgument', 400],
    [
      'SigV2 wrong signature',
      new Map([
        ['awsaccesskeyid', akid],
        ['signature', signPostPolicyV2('other', policy)],
      ]),
      'SignatureDoesNotMatch',
      403,
    ],
    ['SigV2 no AWSAccessKeyId', new Map([['signature', signPostPolicyV2(secret, policy)]]), 'InvalidArgument', 400],
  ])('%s → %s', (_name, fields, code, status) => {
    expect(verifyPostPolicy(fields, policy, opts)).toMatchObject({ kind: 'error', code, status });
  });
});
