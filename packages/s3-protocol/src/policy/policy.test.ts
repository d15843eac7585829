import { describe, expect, it } from 'vitest';
import { evaluateAnonymousAccess, type AnonymousAccessRequest } from './evaluate.js';
import { POLICY_MESSAGES, validateBucketPolicy } from './validate.js';
import { matchesWildcard } from './wildcard.js';

const publicRead = (bucket: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'PublicReadGetObject', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }],
  });
const policy = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };

describe('validateBucketPolicy', () => {
  it.each<[string, string]>([
    ['the AWS website tutorial policy', publicRead('b')],
    ['Statement as an object, 2008 version', JSON.stringify({ Version: '2008-10-17', Statement: allow })],
    ['Principal {AWS: "*"}', policy({ ...allow, Principal: { AWS: '*' } })],
    ['Principal {AWS: [arn, "*"]}', policy({ ...allow, Principal: { AWS: ['arn:aws:iam::123456789012:root', '*'] } })],
    ['action wildcards and lists', policy({ ...allow, Action: ['s3:Get*', 's3:ListBucket', 's3:*', '*'] })],
    ['bucket and object resources', policy({ ...allow, Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/dir/*'] })],
    ['wildcard bucket name that covers this bucket', policy({ ...allow, Resource: 'arn:aws:s3:::b*/*' })],
    ['Condition accepted', policy({ ...allow, Condition: { StringLike: { 'aws:Referer': ['http://example.com/*'] } } })],
    ['NotPrincipal/NotAction/NotResource', policy({ Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::1:root' }, NotAction: 's3:GetObject', NotResource: 'arn:aws:s3:::b/public/*' })],
  ])('accepts %s', (_name, json) => {
    expect(validateBucketPolicy(json, 'b')).toMatchObject({ ok: true });
  });

  it.each<[string, string, string]>([
    ['not JSON', '{"Version": ', POLICY_MESSAGES.notJson],
    ['not an object', '[1]', POLICY_MESSAGES.notJson],
    ['bad version', JSON.stringify({ Version: '2020-01-01', Statement: allow }), POLICY_MESSAGES.version],
    ['no version', JSON.stringify({ Statement: allow }), POLICY_MESSAGES.version],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' }), POLICY_MESSAGES.missingStatement],
    ['empty Statement list', policy(), POLICY_MESSAGES.missingStatement],
    ['no Effect', policy({ ...allow, Effect: undefined }), POLICY_MESSAGES.missingEffect],
    ['bad Effect', policy({ ...allow, Effect: 'Maybe' }), POLICY_MESSAGES.invalidEffect('Maybe')],
    ['no Principal', policy({ ...allow, Principal: undefined }), POLICY_MESSAGES.missingPrincipal],
    ['bad Principal', policy({ ...allow, Principal: 'everyone' }), POLICY_MESSAGES.invalidPrincipal],
    ['bad Principal kind', policy({ ...allow, Principal: { Friends: '*' } }), POLICY_MESSAGES.invalidPrincipal],
    ['non-s3 action', policy({ ...allow, Action: 'ec2:RunInstances' }), POLICY_MESSAGES.invalidAction],
    ['empty action list', policy({ ...allow, Action: [] }), POLICY_MESSAGES.invalidAction],
    ['no Action', policy({ ...allow, Action: undefined }), POLICY_MESSAGES.missingAction],
    ['another bucket', policy({ ...allow, Resource: 'arn:aws:s3:::other/*' }), 'Policy has invalid resource'],
    ['not an S3 ARN', policy({ ...allow, Resource: 'arn:aws:sqs:us-east-1:1:q' }), 'Policy has invalid resource'],
    ['no Resource', policy({ ...allow, Resource: undefined }), POLICY_MESSAGES.missingResource],
    ['Action and NotAction', policy({ ...allow, NotAction: 's3:PutObject' }), POLICY_MESSAGES.both('Action', 'NotAction')],
    ['malformed Condition', policy({ ...allow, Condition: 'yes' }), POLICY_MESSAGES.invalidCondition],
    ['unknown field', policy({ ...allow, Foo: 1 }), POLICY_MESSAGES.unknownField('Foo')],
    ['over 20 KB', policy({ ...allow, Sid: 'x'.repeat(21 * 1024) }), POLICY_MESSAGES.tooLarge],
  ])('refuses %s', (_name, json, message) => {
    expect(validateBucketPolicy(json, 'b')).toEqual({ ok: false, status: 400, code: 'MalformedPolicy', message });
  });
});

describe('evaluateAnonymousAccess', () => {
  const get = (key: string, extra: Partial<AnonymousAccessRequest> = {}): AnonymousAccessRequest => ({ action: 's3:GetObject', bucket: 'b', key, ...extra });
  const list = (extra: Partial<AnonymousAccessRequest> = {}): AnonymousAccessRequest => ({ action: 's3:ListBucket', bucket: 'b', ...extra });
  const put = (key: string, extra: Partial<AnonymousAccessRequest> = {}): AnonymousAccessRequest => ({ action: 's3:PutObject', bucket: 'b', key, ...extra });

  it.each<[string, AnonymousAccessRequest, 'allow' | 'deny']>([
    ['no policy, private ACLs', get('a', { bucketAcl: 'private', objectAcl: 'private' }), 'deny'],
    ['public-read policy grants GetObject', get('a/b.html', { policyJson: publicRead('b') }), 'allow'],
    ['public-read policy does not grant ListBucket', list({ policyJson: publicRead('b') }), 'deny'],
    ['object ACL public-read grants GetObject', get('a', { objectAcl: 'public-read' }), 'allow'],
    ['object ACL public-read-write grants GetObject', get('a', { objectAcl: 'public-read-write' }), 'allow'],
    ['bucket ACL public-read grants ListBucket', list({ bucketAcl: 'public-read' }), 'allow'],
    ['bucket ACL public-read does not grant GetObject', get('a', { bucketAcl: 'public-read' }), 'deny'],
    ['authenticated-read is not anonymous', get('a', { objectAcl: 'authenticated-read' }), 'deny'],
    ['explicit Deny beats the policy Allow', get('secret/x', { policyJson: policy(allow, { ...allow, Effect: 'Deny', Resource: 'arn:aws:s3:::b/secret/*' }) }), 'deny'],
    ['explicit Deny beats a public-read ACL', get('secret/x', { objectAcl: 'public-read', policyJson: policy({ ...allow, Effect: 'Deny', Resource: 'arn:aws:s3:::b/secret/*' }) }), 'deny'],
    ['Deny elsewhere does not apply', get('public/x', { policyJson: policy(allow, { ...allow, Effect: 'Deny', Resource: 'arn:aws:s3:::b/secret/*' }) }), 'allow'],
    ['resource prefix', get('docs/a', { policyJson: policy({ ...allow, Resource: 'arn:aws:s3:::b/docs/*' }) }), 'allow'],
    ['resource prefix elsewhere', get('img/a', { policyJson: policy({ ...allow, Resource: 'arn:aws:s3:::b/docs/*' }) }), 'deny'],
    ['? wildcard', get('a1', { policyJson: policy({ ...allow, Resource: 'arn:aws:s3:::b/a?' }) }), 'allow'],
    ['resources are case-sensitive', get('DOCS/a', { policyJson: policy({ ...allow, Resource: 'arn:aws:s3:::b/docs/*' }) }), 'deny'],
    ['actions are case-insensitive wildcards', get('a', { policyJson: policy({ ...allow, Action: 'S3:get*' }) }), 'allow'],
    ['s3:* grants ListBucket on the bucket ARN', list({ policyJson: policy({ ...allow, Action: 's3:*', Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] }) }), 'allow'],
    ['ListBucket needs the bucket ARN, not b/*', list({ policyJson: policy({ ...allow, Action: 's3:ListBucket' }) }), 'deny'],
    ['Principal {AWS: "*"}', get('a', { policyJson: policy({ ...allow, Principal: { AWS: ['*'] } }) }), 'allow'],
    ['a named principal is not anonymous', get('a', { policyJson: policy({ ...allow, Principal: { AWS: 'arn:aws:iam::1:root' } }) }), 'deny'],
    ['conditional Allow never grants (fail closed)', get('a', { policyJson: policy({ ...allow, Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } } }) }), 'deny'],
    ['conditional Deny always applies (fail closed)', get('a', { policyJson: policy(allow, { ...allow, Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }) }), 'deny'],
    ['NotAction Deny of everything but GetObject', get('a', { policyJson: policy(allow, { Effect: 'Deny', Principal: '*', NotAction: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }) }), 'allow'],
    ['NotResource Allow', get('public/a', { policyJson: policy({ ...allow, Resource: undefined, NotResource: 'arn:aws:s3:::b/private/*' }) }), 'allow'],
    ['bucket ACL public-read-write grants PutObject', put('a', { bucketAcl: 'public-read-write' }), 'allow'],
    ['bucket ACL public-read does not grant PutObject', put('a', { bucketAcl: 'public-read' }), 'deny'],
    ['object ACL public-read-write does not grant PutObject', put('a', { objectAcl: 'public-read-write' }), 'deny'],
    ['policy Allow s3:PutObject on b/uploads/*', put('uploads/a', { policyJson: policy({ ...allow, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/uploads/*' }) }), 'allow'],
    ['public-read policy does not grant PutObject', put('a', { policyJson: publicRead('b') }), 'deny'],
    [
      'policy Allow s3:PutObject alone does not grant PutObjectAcl',
      put('a', { action: 's3:PutObjectAcl', policyJson: policy({ ...allow, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' }) }),
      'deny',
    ],
    [
      'policy Allow s3:PutObjectAcl grants it',
      put('a', { action: 's3:PutObjectAcl', policyJson: policy({ ...allow, Action: ['s3:PutObject', 's3:PutObjectAcl'], Resource: 'arn:aws:s3:::b/*' }) }),
      'allow',
    ],
    ['bucket ACL public-read-write grants PutObjectAcl (the writer owns the new object)', put('a', { action: 's3:PutObjectAcl', bucketAcl: 'public-read-write' }), 'allow'],
    ['invalid policy JSON counts as none', get('a', { policyJson: '{nope', objectAcl: 'public-read' }), 'allow'],
  ])('%s', (_name, request, expected) => {
    expect(evaluateAnonymousAccess(request)).toBe(expected);
  });

  it('takes an already validated policy', () => {
    const parsed = validateBucketPolicy(publicRead('b'), 'b');
    if (!parsed.ok) throw new Error('fixture');
    expect(evaluateAnonymousAccess(get('x', { policy: parsed.policy }))).toBe('allow');
  });
});

describe('matchesWildcard', () => {
  it.each<[string, string, boolean]>([
    ['*', 'anything', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'ab', false],
    ['a?c', 'abc', true],
    ['a?c', 'abbc', false],
    ['a.c', 'abc', false],
    ['arn:aws:s3:::b/*', 'arn:aws:s3:::b/x/y\nz', true],
  ])('%s ~ %s', (pattern, value, expected) => {
    expect(matchesWildcard(pattern, value)).toBe(expected);
  });
});
