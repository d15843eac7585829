import { describe, expect, it } from 'vitest';
import { verifyRequest } from './verify.js';
import type { VerifyOptions } from './types.js';

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html (bucket johnsmith)
const opts = (now: string, extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  lookupSecret: (id) => (id === 'AKIAIOSFODNN7EXAMPLE' ? 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' : undefined),
  now: new Date(now),
  service: 's3',
  ...extra,
});

describe('Signature V2 (botocore presigned URLs), S3 documentation examples', () => {
  it('Object GET with Authorization: AWS …, virtual-hosted', () => {
    const req = {
      method: 'GET',
      path: '/photos/puppy.jpg',
      query: '',
      headers: {
        host: 'johnsmith.s3.amazonaws.com',
        date: 'Tue, 27 Mar 2007 19:36:42 +0000',
        authorization: 'AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=',
      },
    };
    expect(verifyRequest(req, opts('2007-03-27T19:36:42Z', { virtualHostedBucket: 'johnsmith' }))).toMatchObject({
      kind: 'signed',
      via: 'header',
      context: { signatureVersion: 2 },
    });
    // Path-style view of the same request: /johnsmith/photos/puppy.jpg signs the same resource.
    expect(verifyRequest({ ...req, path: '/johnsmith/photos/puppy.jpg' }, opts('2007-03-27T19:36:42Z')).kind).toBe('signed');
    expect(verifyRequest(req, opts('2007-03-27T19:36:42Z')).kind).toBe('error');
    expect(verifyRequest(req, opts('2007-03-27T20:36:42Z', { virtualHostedBucket: 'johnsmith' }))).toMatchObject({ code: 'RequestTimeTooSkewed' });
  });

  const presigned = {
    method: 'GET',
    path: '/johnsmith/photos/puppy.jpg',
    query: 'AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D',
    headers: { host: 's3.amazonaws.com' },
  };

  it('query-string authentication example verifies before Expires', () => {
    expect(verifyRequest(presigned, opts('2007-03-28T00:00:00Z'))).toMatchObject({ kind: 'signed', via: 'presigned', payload: { kind: 'unsigned' } });
  });

  it('after Expires → AccessDenied "Request has expired"', () => {
    expect(verifyRequest(presigned, opts('2007-03-29T04:00:21Z'))).toMatchObject({ code: 'AccessDenied', message: 'Request has expired' });
  });

  it('tampered → SignatureDoesNotMatch; unknown key → InvalidAccessKeyId', () => {
    expect(verifyRequest({ ...presigned, path: '/johnsmith/photos/kitten.jpg' }, opts('2007-03-28T00:00:00Z'))).toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
    expect(verifyRequest({ ...presigned, query: presigned.query.replace('AKIAIOSFODNN7EXAMPLE', 'AKIDOTHER') }, opts('2007-03-28T00:00:00Z'))).toMatchObject({
      code: 'InvalidAccessKeyId',
    });
  });
});
