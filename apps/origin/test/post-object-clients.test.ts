/**
 * PostObject with the forms real SDKs build: boto3's generate_presigned_post (sent with urllib3's
 * multipart encoder) and minio-js's presignedPostPolicy (sent with undici's FormData).
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { hasBoto3, runCommand } from '@bucketfront/test-support';
import * as Minio from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type FormField, postForm } from './fixtures/post-form.js';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

let origin: TestOrigin;
const bucket = 'post-clients';

beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await origin?.stop();
});

/**
 * boto3 signs the policy (SigV4) and urllib3 sends the form: prints {status, headers, body}.
 * argv: endpoint key secret bucket key fields-json conditions-json file-content
 */
const BOTO3_FORM = `
import json, sys, boto3, urllib3
from botocore.config import Config
endpoint, akid, secret, bucket, key, fields, conditions, content = sys.argv[1:9]
s3 = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id=akid, aws_secret_access_key=secret,
                  region_name='us-east-1', config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}))
post = s3.generate_presigned_post(bucket, key, Fields=json.loads(fields), Conditions=json.loads(conditions), ExpiresIn=300)
form = list(post['fields'].items()) + [('file', ('upload.txt', content.encode(), 'text/plain'))]
r = urllib3.PoolManager().request('POST', post['url'], fields=form, redirect=False)
print(json.dumps({'url': post['url'], 'status': r.status, 'headers': dict(r.headers), 'body': r.data.decode()}))
`;

interface Boto3Answer {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function boto3Post(key: string, fields: Record<string, string>, conditions: unknown[], content: string): Promise<Boto3Answer> {
  const { accessKeyId, secretAccessKey } = origin.credentials;
  const r = await runCommand('python3', ['-W', 'ignore', '-c', BOTO3_FORM, origin.url, accessKeyId, secretAccessKey, bucket, key, JSON.stringify(fields), JSON.stringify(conditions), content], {
    timeoutMs: 60_000,
  });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Boto3Answer;
}

describe.skipIf(!hasBoto3())('boto3 generate_presigned_post + a multipart POST (urllib3)', () => {
  it('204 by default: the object, its Content-Type and metadata are stored', async () => {
    const r = await boto3Post(
      'boto/$' + '{filename}',
      { 'Content-Type': 'text/plain', 'x-amz-meta-source': 'boto3' },
      [['starts-with', '$Content-Type', 'text/'], { 'x-amz-meta-source': 'boto3' }],
      'from boto3',
    );
    expect(r.url).toBe(`${origin.url}/${bucket}`);
    expect(r.status, r.body).toBe(204);
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'boto/upload.txt' }));
    expect(await got.Body!.transformToString()).toBe('from boto3');
    expect(got.ContentType).toBe('text/plain');
    expect(got.Metadata).toEqual({ source: 'boto3' });
    expect(got.ETag).toBe(r.headers['ETag'] ?? r.headers['etag']);
  });

  it('201 with a PostResponse document', async () => {
    const r = await boto3Post('boto/created.txt', { success_action_status: '201' }, [{ success_action_status: '201' }], 'created');
    expect(r.status, r.body).toBe(201);
    expect(r.body).toContain(`<Bucket>${bucket}</Bucket><Key>boto/created.txt</Key>`);
    expect(r.body).toContain(`<Location>${origin.url}/${bucket}/boto/created.txt</Location>`);
  });

  it('303 to success_action_redirect with bucket, key and etag', async () => {
    const target = 'http://127.0.0.1:9/uploaded';
    const r = await boto3Post('boto/redirected.txt', { success_action_redirect: target }, [{ success_action_redirect: target }], 'redirected');
    expect(r.status, r.body).toBe(303);
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'boto/redirected.txt' }));
    expect(r.headers['Location'] ?? r.headers['location']).toBe(`${target}?bucket=${bucket}&key=boto%2Fredirected.txt&etag=${encodeURIComponent(head.ETag!)}`);
  });

  it('a form field that breaks the boto3 policy is refused and nothing is stored', async () => {
    const r = await boto3Post('boto/refused.txt', { 'Content-Type': 'image/png' }, [['starts-with', '$Content-Type', 'text/']], 'nope');
    expect([r.status, errorOf(r.body).code, errorOf(r.body).message]).toEqual([403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "text/"]']);
    await expect(origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'boto/refused.txt' }))).rejects.toThrow();
  });
});

describe('minio-js presignedPostPolicy + a FormData POST (undici)', () => {
  function minioClient(): Minio.Client {
    const u = new URL(origin.url);
    return new Minio.Client({
      endPoint: u.hostname,
      port: Number(u.port),
      useSSL: false,
      accessKey: origin.credentials.accessKeyId,
      secretKey: origin.credentials.secretAccessKey,
      region: 'us-east-1',
      pathStyle: true,
    });
  }

  async function presign(key: string, range: [number, number]): Promise<{ postURL: string; fields: FormField[] }> {
    const policy = minioClient().newPostPolicy();
    policy.setBucket(bucket);
    policy.setKey(key);
    policy.setExpires(new Date(Date.now() + 300_000));
    policy.setContentType('text/csv');
    policy.setContentLengthRange(range[0], range[1]);
    policy.setUserMetaData({ team: 'data' });
    const { postURL, formData } = await minioClient().presignedPostPolicy(policy);
    return { postURL, fields: Object.entries(formData) as FormField[] };
  }

  it('stores the object with the content type and metadata of the policy', async () => {
    const { postURL, fields } = await presign('minio/report.csv', [1, 1024]);
    expect(postURL).toBe(`${origin.url}/${bucket}`);
    const r = await postForm(postURL, fields, { content: 'a,b\n1,2\n', filename: 'report.csv', type: 'text/csv' });
    expect(r.status, r.body).toBe(204);
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'minio/report.csv' }));
    expect(await got.Body!.transformToString()).toBe('a,b\n1,2\n');
    expect(got.ContentType).toBe('text/csv');
    expect(got.Metadata).toEqual({ team: 'data' });
  });

  it('a file over the policy content-length-range is EntityTooLarge and nothing is stored', async () => {
    const { postURL, fields } = await presign('minio/too-big.csv', [1, 16]);
    const r = await postForm(postURL, fields, { content: 'x'.repeat(17), filename: 'big.csv', type: 'text/csv' });
    expect([r.status, errorOf(r.body).code]).toEqual([400, 'EntityTooLarge']);
    await expect(origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'minio/too-big.csv' }))).rejects.toThrow();
  });
});
