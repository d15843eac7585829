import { describe, expect, it } from 'vitest';
import { S3Error, S3_ERROR_CODES } from './errors.js';
import { ErrorXml } from './xml/special.js';

describe('S3Error', () => {
  it.each([
    ['AccessDenied', 403],
    ['NoSuchKey', 404],
    ['NoSuchBucket', 404],
    ['BucketNotEmpty', 409],
    ['BucketAlreadyOwnedByYou', 409],
    ['InvalidRange', 416],
    ['PreconditionFailed', 412],
    ['NotModified', 304],
    ['NotImplemented', 501],
    ['MethodNotAllowed', 405],
    ['MissingContentLength', 411],
    ['InternalError', 500],
    ['SignatureDoesNotMatch', 403],
    ['MalformedXML', 400],
    ['EntityTooLarge', 400],
    ['SlowDown', 503],
  ] as const)('%s → %i', (code, status) => {
    expect(new S3Error(code).status).toBe(status);
    expect(S3_ERROR_CODES[code][0]).toBe(status);
  });

  it('renders the XML error document with detail and ids', () => {
    const xml = new S3Error('NoSuchBucket', undefined, { BucketName: 'a<b' }).renderXml('REQ1', 'HOST/1');
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>' +
        '<BucketName>a&lt;b</BucketName><RequestId>REQ1</RequestId><HostId>HOST/1</HostId></Error>',
    );
    expect(ErrorXml.parse(xml)).toEqual({
      code: 'NoSuchBucket',
      message: 'The specified bucket does not exist',
      detail: { BucketName: 'a<b' },
      requestId: 'REQ1',
      hostId: 'HOST/1',
    });
  });

  it('hides unknown errors as InternalError', () => {
    const e = S3Error.wrap(new Error('ENOENT /secret/path'));
    expect(e.code).toBe('InternalError');
    expect(e.renderXml('r', 'h')).not.toContain('secret');
    expect(S3Error.from('NotARealCode').code).toBe('InternalError');
    expect(S3Error.from('NoSuchUpload').status).toBe(404);
  });

  it('renders an HTML page', () => {
    const html = new S3Error('NoSuchKey', undefined, { Key: 'index.html' }).renderHtml('R', 'H');
    expect(html).toContain('<title>404 Not Found</title>');
    expect(html).toContain('<li>Key: index.html</li>');
  });
});
