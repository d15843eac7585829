import { describe, expect, it } from 'vitest';
import { renderWebsiteErrorPage } from './error-page.js';
import { websiteErrors } from './errors.js';

const ids = { requestId: 'REQ123', hostId: 'HOST/abc=' };

describe('renderWebsiteErrorPage (docs/s3-website-rules.md#error-page)', () => {
  it('matches the S3 page byte for byte (404 with a failed error document)', () => {
    const html = renderWebsiteErrorPage({
      ...websiteErrors.noSuchKey('index.html'),
      ...ids,
      errorDocumentFailure: websiteErrors.noSuchKey('error.html'),
    });
    expect(html).toBe(
      '<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>404 Not Found</h1>\n<ul>\n' +
        '<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n<li>Key: index.html</li>\n' +
        '<li>RequestId: REQ123</li>\n<li>HostId: HOST/abc=</li>\n</ul>\n' +
        '<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n' +
        '<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n<li>Key: error.html</li>\n</ul>\n' +
        '<hr/>\n</body>\n</html>\n',
    );
  });

  it('has no <h3> section when there was no error document failure, and no DOCTYPE', () => {
    const html = renderWebsiteErrorPage({ ...websiteErrors.noSuchKey('dir/index.html'), ...ids });
    expect(html.startsWith('<html>\n')).toBe(true);
    expect(html).not.toContain('<h3>');
    expect(html).toContain('<li>Key: dir/index.html</li>\n<li>RequestId: REQ123</li>\n');
  });

  it('403 pages have no Key line; a private error document is AccessDenied in the section', () => {
    const html = renderWebsiteErrorPage({ ...websiteErrors.accessDenied(), key: 'x', ...ids, errorDocumentFailure: websiteErrors.accessDenied() });
    expect(html).toBe(
      '<html>\n<head><title>403 Forbidden</title></head>\n<body>\n<h1>403 Forbidden</h1>\n<ul>\n' +
        '<li>Code: AccessDenied</li>\n<li>Message: Access Denied</li>\n<li>RequestId: REQ123</li>\n<li>HostId: HOST/abc=</li>\n</ul>\n' +
        '<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n' +
        '<li>Code: AccessDenied</li>\n<li>Message: Access Denied</li>\n</ul>\n<hr/>\n</body>\n</html>\n',
    );
  });

  it.each([
    [websiteErrors.noSuchBucket('nope'), '404 Not Found', ['<li>Code: NoSuchBucket</li>', '<li>Message: The specified bucket does not exist</li>', '<li>BucketName: nope</li>']],
    [
      websiteErrors.noSuchWebsiteConfiguration('b'),
      '404 Not Found',
      ['<li>Code: NoSuchWebsiteConfiguration</li>', '<li>Message: The specified bucket does not have a website configuration</li>', '<li>BucketName: b</li>'],
    ],
    [websiteErrors.methodNotAllowed('POST'), '405 Method Not Allowed', ['<li>Code: MethodNotAllowed</li>', '<li>Method: POST</li>\n<li>ResourceType: OBJECT</li>\n<li>RequestId: REQ123</li>']],
    [websiteErrors.found(), '302 Moved Temporarily', ['<li>Code: Found</li>\n<li>Message: Resource Found</li>\n<li>RequestId: REQ123</li>']],
  ])('%o', (error, title, lines) => {
    const html = renderWebsiteErrorPage({ ...error, ...ids });
    expect(html).toContain(`<head><title>${title}</title></head>\n<body>\n<h1>${title}</h1>`);
    for (const line of lines) expect(html).toContain(line);
  });

  it('escapes reflected keys (Deviation from S3)', () => {
    expect(renderWebsiteErrorPage({ ...websiteErrors.noSuchKey('<script>'), ...ids })).toContain('<li>Key: &lt;script&gt;</li>');
  });
});
