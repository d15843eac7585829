/**
 * A versioned site through the whole stack: the website endpoint and the edge serve the current
 * version of each key, a delete marker is a 404 there (the error document), and removing the
 * marker or the newest version brings the previous one back (docs/versioning.md).
 */
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTRIBUTION_ID, SITE, SITE_HOST, http, startStack, type Stack } from './fixture.js';

describe('a versioned site through the website endpoint and the edge', () => {
  let stack: Stack;
  let cloudfront: CloudFrontClient;
  beforeAll(async () => {
    stack = await startStack();
    cloudfront = new CloudFrontClient({ endpoint: stack.controlUrl, region: 'us-east-1', credentials: stack.origin.credentials });
    await stack.s3.send(new PutBucketVersioningCommand({ Bucket: SITE, VersioningConfiguration: { Status: 'Enabled' } }));
  });
  afterAll(async () => {
    cloudfront?.destroy();
    await stack.close();
  });

  const website = (path: string) => http(`${stack.origin.url}${path}`, { headers: { host: SITE_HOST } });
  const invalidate = (path: string) =>
    cloudfront.send(new CreateInvalidationCommand({ DistributionId: DISTRIBUTION_ID, InvalidationBatch: { CallerReference: `v-${Date.now()}-${path}`, Paths: { Quantity: 1, Items: [path] } } }));
  const put = (Key: string, Body: string) => stack.s3.send(new PutObjectCommand({ Bucket: SITE, Key, Body, ContentType: 'text/html' }));

  it('serves the current version; a delete marker is a 404 with the error document; removing it restores the page', async () => {
    const v1 = await put('page.html', '<p>one</p>');
    const v2 = await put('page.html', '<p>two</p>');
    expect(v1.VersionId).toBeDefined();
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect((await website('/page.html')).body).toBe('<p>two</p>');
    expect((await http(`${stack.edgeUrl}/page.html`)).body).toBe('<p>two</p>');

    const marker = await stack.s3.send(new DeleteObjectCommand({ Bucket: SITE, Key: 'page.html' }));
    expect(marker.DeleteMarker).toBe(true);
    const gone = await website('/page.html');
    expect([gone.status, gone.body]).toEqual([404, '<h1>error page</h1>']);
    await invalidate('/page.html');
    expect((await http(`${stack.edgeUrl}/page.html`)).status).toBe(404);

    // Removing the marker makes version two current again; removing version two, version one.
    await stack.s3.send(new DeleteObjectCommand({ Bucket: SITE, Key: 'page.html', VersionId: marker.VersionId! }));
    expect((await website('/page.html')).body).toBe('<p>two</p>');
    await stack.s3.send(new DeleteObjectCommand({ Bucket: SITE, Key: 'page.html', VersionId: v2.VersionId! }));
    expect((await website('/page.html')).body).toBe('<p>one</p>');
    await invalidate('/page.html');
    const edge = await http(`${stack.edgeUrl}/page.html`);
    expect([edge.status, edge.body]).toEqual([200, '<p>one</p>']);
  });
});
