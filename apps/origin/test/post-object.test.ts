/**
 * PostObject (browser form uploads) with undici's FormData: what is stored, the three kinds of
 * success answer, and every policy violation → S3's code, status and message, with nothing stored.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketAclCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type FormField, postForm, sigV2Fields, sigV4Fields } from './fixtures/post-form.js';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

let origin: TestOrigin;
const bucket = 'post-forms';
const url = (): string => `${origin.url}/${bucket}`;

beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await origin?.stop();
});

async function keysIn(b: string): Promise<string[]> {
  const out = await origin.s3.send(new ListObjectsV2Command({ Bucket: b }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

const v4 = (conditions: unknown[], extra: Partial<Parameters<typeof sigV4Fields>[0]> = {}): FormField[] => sigV4Fields({ credentials: origin.credentials, conditions, ...extra });

describe('PostObject: stored objects and success answers', () => {
  it('SigV4 form: key, Content-Type, metadata, Cache-Control and Content-Disposition are stored; 204 with ETag and Location', async () => {
    const fields: FormField[] = [
      ['key', 'uploads/$' + '{filename}'],
      ['Content-Type', 'image/png'],
      ['Cache-Control', 'max-age=60'],
      ['Content-Disposition', 'inline'],
      ['x-amz-meta-owner', 'alice'],
      ...v4([
        { bucket },
        ['starts-with', '$key', 'uploads/'],
        ['starts-with', '$Content-Type', 'image/'],
        { 'cache-control': 'max-age=60' },
        ['eq', '$Content-Disposition', 'inline'],
        ['starts-with', '$x-amz-meta-owner', ''],
      ]),
    ];
    const r = await postForm(url(), fields, { content: 'png bytes', filename: 'cat.png', type: 'application/octet-stream' });
    expect(r.status, r.body).toBe(204);
    const etag = r.headers.get('etag');
    expect(r.headers.get('location')).toBe(`${origin.url}/${bucket}/uploads/cat.png`);
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'uploads/cat.png' }));
    expect(await got.Body!.transformToString()).toBe('png bytes');
    expect(got.ETag).toBe(etag);
    expect(got.ContentType).toBe('image/png');
    expect(got.CacheControl).toBe('max-age=60');
    expect(got.ContentDisposition).toBe('inline');
    expect(got.Metadata).toEqual({ owner: 'alice' });
  });

  it('success_action_status 201 answers a PostResponse document; 200 an empty body; an unknown value 204', async () => {
    const form = (status: string): FormField[] => [
      ['key', `status-${status}`],
      ['success_action_status', status],
      ...v4([{ bucket }, ['starts-with', '$key', 'status-'], ['starts-with', '$success_action_status', '']]),
    ];
    const created = await postForm(url(), form('201'), { content: 'x' });
    expect(created.status).toBe(201);
    const etag = created.headers.get('etag')!;
    expect(created.body).toContain('<PostResponse>');
    expect(created.body).toContain(`<Location>${origin.url}/${bucket}/status-201</Location>`);
    expect(created.body).toContain(`<Bucket>${bucket}</Bucket><Key>status-201</Key><ETag>${etag.replace(/"/g, '&quot;')}</ETag>`);
    const ok = await postForm(url(), form('200'), { content: 'x' });
    expect([ok.status, ok.body]).toEqual([200, '']);
    const other = await postForm(url(), form('404'), { content: 'x' });
    expect([other.status, other.body]).toEqual([204, '']);
    expect(await keysIn(bucket)).toEqual(expect.arrayContaining(['status-200', 'status-201', 'status-404']));
  });

  it('success_action_redirect answers 303 to the URL with bucket, key and the quoted etag; the older `redirect` too', async () => {
    const target = 'https://app.example/done?from=form';
    const r = await postForm(url(), [['key', 'redirected file'], ['success_action_redirect', target], ...v4([{ bucket }, { key: 'redirected file' }, { success_action_redirect: target }])], {
      content: 'r',
    });
    expect(r.status).toBe(303);
    const etag = r.headers.get('etag')!;
    expect(r.headers.get('location')).toBe(`${target}&bucket=${bucket}&key=redirected%20file&etag=${encodeURIComponent(etag)}`);
    const legacy = await postForm(url(), [['key', 'legacy'], ['redirect', 'http://127.0.0.1/x'], ...v4([{ bucket }, { key: 'legacy' }, { redirect: 'http://127.0.0.1/x' }])], { content: 'r' });
    expect(legacy.status).toBe(303);
    expect(legacy.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1\/x\?bucket=post-forms&key=legacy&etag=%22[0-9a-f]{32}%22$/);
  });

  it('SigV2 form (AWSAccessKeyId, signature); field names in any case; fields after the file are ignored', async () => {
    const policy = { expiration: new Date(Date.now() + 60_000).toISOString(), conditions: [{ bucket }, ['StArTs-WiTh', '$KeY', 'v2/'], { acl: 'public-read' }] };
    const r = await postForm(url(), [['KEY', 'v2/a.txt'], ['Acl', 'public-read'], ...sigV2Fields(origin.credentials, policy)], { content: 'two' }, [['x-amz-meta-late', 'ignored']]);
    expect(r.status, r.body).toBe(204);
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'v2/a.txt' }));
    expect(head.Metadata).toEqual({});
    // acl public-read was applied: anyone may read it.
    expect((await fetch(`${url()}/v2/a.txt`)).status).toBe(200);
  });

  it('an unsigned form is an anonymous write: refused on a private bucket, accepted where the bucket policy or a public-read-write ACL grants it', async () => {
    const b = 'post-anonymous';
    await origin.s3.send(new CreateBucketCommand({ Bucket: b }));
    const form: FormField[] = [['key', 'drop/a.txt']];
    const refused = await postForm(`${origin.url}/${b}`, form, { content: 'a' });
    expect([refused.status, errorOf(refused.body).code]).toEqual([403, 'AccessDenied']);
    expect(await keysIn(b)).toEqual([]);
    await origin.s3.send(
      new PutBucketPolicyCommand({
        Bucket: b,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/drop/*` }] }),
      }),
    );
    expect((await postForm(`${origin.url}/${b}`, form, { content: 'a' })).status).toBe(204);
    const outside = await postForm(`${origin.url}/${b}`, [['key', 'elsewhere']], { content: 'a' });
    expect(outside.status).toBe(403);
    const acl = 'post-public-rw';
    await origin.s3.send(new CreateBucketCommand({ Bucket: acl }));
    await origin.s3.send(new PutBucketAclCommand({ Bucket: acl, ACL: 'public-read-write' }));
    expect((await postForm(`${origin.url}/${acl}`, [['key', 'k']], { content: 'a' })).status).toBe(204);
    expect(await keysIn(b)).toEqual(['drop/a.txt']);
  });

  it('an x-amz-checksum-* field (which the policy need not name) is verified and stored with the object', async () => {
    const content = 'checked bytes';
    const sha = createHash('sha256').update(content).digest('base64');
    const r = await postForm(url(), [['key', 'checked.txt'], ['x-amz-checksum-sha256', sha], ...v4([{ bucket }, { key: 'checked.txt' }])], { content });
    expect(r.status, r.body).toBe(204);
    expect(r.headers.get('x-amz-checksum-sha256')).toBe(sha);
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'checked.txt', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumSHA256).toBe(sha);
  });

  it('every field sent as a part with a filename (as python requests does) and the file as a plain field (curl -F file=text) work', async () => {
    const boundary = 'plain-file-field';
    const part = (name: string, value: string, filename?: string): string =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename !== undefined ? `; filename="${filename}"` : ''}\r\n\r\n${value}\r\n`;
    const fields = [['key', 'plain-file.txt'], ...v4([{ bucket }, { key: 'plain-file.txt' }])] as FormField[];
    const body = fields.map(([n, v]) => part(n, v, n)).join('') + part('file', 'inline content') + `--${boundary}--\r\n`;
    const r = await fetch(url(), { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    expect(r.status, await r.text()).toBe(204);
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'plain-file.txt' }));
    expect(await got.Body!.transformToString()).toBe('inline content');
  });

  it('UTF-8 metadata is stored as PutObject stores the same bytes sent in a header', async () => {
    const r = await postForm(url(), [['key', 'utf8.txt'], ['x-amz-meta-title', 'café €'], ...v4([{ bucket }, { key: 'utf8.txt' }, ['starts-with', '$x-amz-meta-title', '']])], { content: 'u' });
    expect(r.status, r.body).toBe(204);
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'utf8.txt' }));
    expect(Buffer.from(head.Metadata!['title']!, 'latin1').toString('utf8')).toBe('café €');
  });

  it('virtual-hosted addressing (BUCKET.localhost) reaches the same handler', async () => {
    const port = new URL(origin.url).port;
    const form = new FormData();
    for (const [n, v] of [['key', 'vhost.txt'], ...v4([{ bucket }, { key: 'vhost.txt' }])] as FormField[]) form.append(n, v);
    form.append('file', new Blob(['v']), 'v.txt');
    const body = new Response(form);
    const bytes = Buffer.from(await body.arrayBuffer());
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/', headers: { host: `${bucket}.localhost:${port}`, 'content-type': body.headers.get('content-type')!, 'content-length': bytes.length } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end(bytes);
    });
    expect(status).toBe(204);
    expect(await keysIn(bucket)).toContain('vhost.txt');
  });

  it('a POST to a bucket that is not a form is 412 PreconditionFailed', async () => {
    const r = await fetch(url(), { method: 'POST', body: 'key=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const body = await r.text();
    expect(r.status).toBe(412);
    expect(errorOf(body).code).toBe('PreconditionFailed');
    expect(body).toContain('<Condition>Bucket POST must be of the enclosure-type multipart/form-data</Condition>');
  });
});

describe('PostObject: every violation → the S3 error, nothing stored', () => {
  const b = 'post-violations';
  const u = (): string => `${origin.url}/${b}`;
  beforeAll(async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: b }));
  });

  type Row = [name: string, form: () => FormField[], file: 'file' | 'none' | 'big', code: string, status: number, message?: string | RegExp];
  const base = (): unknown[] => [{ bucket: b }, ['starts-with', '$key', 'v/']];
  const expired = new Date(Date.now() - 1000);
  const rows: Row[] = [
    ['missing key', () => v4([{ bucket: b }]), 'file', 'InvalidArgument', 400, "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields."],
    ['key not meeting starts-with', () => [['key', 'other/x'], ...v4(base())], 'file', 'AccessDenied', 403, 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "v/"]'],
    [
      'bucket condition of another bucket',
      () => [['key', 'v/x'], ...v4([{ bucket: 'someone-else' }, ['starts-with', '$key', 'v/']])],
      'file',
      'AccessDenied',
      403,
      'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "someone-else"]',
    ],
    [
      'eq on Content-Type not met',
      () => [['key', 'v/x'], ['Content-Type', 'text/html'], ...v4([...base(), ['eq', '$Content-Type', 'image/png']])],
      'file',
      'AccessDenied',
      403,
      'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]',
    ],
    [
      'a field the policy names is missing',
      () => [['key', 'v/x'], ...v4([...base(), ['starts-with', '$x-amz-meta-tag', 'a']])],
      'file',
      'AccessDenied',
      403,
      'Invalid according to Policy: Policy Condition failed: ["starts-with", "$x-amz-meta-tag", "a"]',
    ],
    ['a field no condition names', () => [['key', 'v/x'], ['x-amz-meta-extra', '1'], ...v4(base())], 'file', 'AccessDenied', 403, 'Invalid according to Policy: Extra input fields: x-amz-meta-extra'],
    ['acl not in the policy', () => [['key', 'v/x'], ['acl', 'public-read'], ...v4(base())], 'file', 'AccessDenied', 403, 'Invalid according to Policy: Extra input fields: acl'],
    [
      'success_action_status not in the policy',
      () => [['key', 'v/x'], ['success_action_status', '201'], ...v4(base())],
      'file',
      'AccessDenied',
      403,
      'Invalid according to Policy: Extra input fields: success_action_status',
    ],
    ['expired policy', () => [['key', 'v/x'], ...v4(base(), { expiration: expired })], 'file', 'AccessDenied', 403, 'Invalid according to Policy: Policy expired.'],
    [
      'file larger than content-length-range',
      () => [['key', 'v/x'], ...v4([...base(), ['content-length-range', 0, 10]])],
      'file',
      'EntityTooLarge',
      400,
      'Your proposed upload exceeds the maximum allowed size',
    ],
    [
      'file smaller than content-length-range',
      () => [['key', 'v/x'], ...v4([...base(), ['content-length-range', 1000, 2000]])],
      'file',
      'EntityTooSmall',
      400,
      'Your proposed upload is smaller than the minimum allowed size',
    ],
    ['content-length-range mid-stream (2 MiB over a 1 MiB limit)', () => [['key', 'v/x'], ...v4([...base(), ['content-length-range', 0, 1024 * 1024]])], 'big', 'EntityTooLarge', 400],
    ['wrong SigV4 signature', () => [['key', 'v/x'], ...v4(base()).map(([n, v]): FormField => (n === 'x-amz-signature' ? [n, '0'.repeat(64)] : [n, v]))], 'file', 'SignatureDoesNotMatch', 403],
    ['unknown access key (SigV4)', () => [['key', 'v/x'], ...sigV4Fields({ credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' }, conditions: base() })], 'file', 'InvalidAccessKeyId', 403],
    [
      'credential of another region',
      () => [['key', 'v/x'], ...v4(base(), { region: 'eu-west-1' })],
      'file',
      'AuthorizationQueryParametersError',
      400,
      "Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'",
    ],
    [
      'signature without x-amz-date',
      () => [['key', 'v/x'], ...v4(base()).filter(([n]) => n !== 'x-amz-date')],
      'file',
      'InvalidArgument',
      400,
      "Bucket POST must contain a field named 'x-amz-date'.  If it is specified, please check the order of the fields.",
    ],
    [
      'wrong SigV2 signature',
      () => [
        ['key', 'v/x'],
        ...sigV2Fields(origin.credentials, { expiration: '2099-01-01T00:00:00Z', conditions: base() }).map(([n, v]): FormField => (n === 'signature' ? [n, 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='] : [n, v])),
      ],
      'file',
      'SignatureDoesNotMatch',
      403,
    ],
    [
      'SigV2 without signature',
      () => [['key', 'v/x'], ...sigV2Fields(origin.credentials, { expiration: '2099-01-01T00:00:00Z', conditions: base() }).filter(([n]) => n !== 'signature')],
      'file',
      'InvalidArgument',
      400,
      "Bucket POST must contain a field named 'Signature'.  If it is specified, please check the order of the fields.",
    ],
    [
      'signature fields without a policy',
      () => [
        ['key', 'v/x'],
        ['AWSAccessKeyId', origin.credentials.accessKeyId],
        ['signature', 'x'],
      ],
      'file',
      'InvalidArgument',
      400,
      "Bucket POST must contain a field named 'Policy'.  If it is specified, please check the order of the fields.",
    ],
    ['policy that is not base64', () => [['key', 'v/x'], ...sigV2Fields(origin.credentials, 'not base64!')], 'file', 'InvalidPolicyDocument', 400, 'Invalid Policy: Invalid Base64 Encoding.'],
    [
      'policy that is not JSON',
      () => [['key', 'v/x'], ...sigV2Fields(origin.credentials, Buffer.from('{nope').toString('base64'))],
      'file',
      'InvalidPolicyDocument',
      400,
      'Invalid Policy: Invalid JSON.',
    ],
    [
      'policy without expiration',
      () => [['key', 'v/x'], ...sigV2Fields(origin.credentials, { conditions: base() })],
      'file',
      'InvalidPolicyDocument',
      400,
      'Invalid Policy: Policy missing expiration.',
    ],
    [
      'expiration not ISO 8601',
      () => [['key', 'v/x'], ...sigV2Fields(origin.credentials, { expiration: '2099-01-01 00:00:00', conditions: base() })],
      'file',
      'InvalidPolicyDocument',
      400,
      "Invalid Policy: Invalid 'expiration' value: '2099-01-01 00:00:00'",
    ],
    [
      'policy without conditions (keys are case-sensitive)',
      () => [['key', 'v/x'], ...sigV2Fields(origin.credentials, { expiration: '2099-01-01T00:00:00Z', CONDITIONS: base() })],
      'file',
      'InvalidPolicyDocument',
      400,
      'Invalid Policy: Policy missing conditions.',
    ],
    ['an empty condition object', () => [['key', 'v/x'], ...sigV2Fields(origin.credentials, { expiration: '2099-01-01T00:00:00Z', conditions: [{}] })], 'file', 'InvalidPolicyDocument', 400],
    [
      'content-length-range with one bound',
      () => [['key', 'v/x'], ...sigV2Fields(origin.credentials, { expiration: '2099-01-01T00:00:00Z', conditions: [['content-length-range', 0]] })],
      'file',
      'InvalidPolicyDocument',
      400,
    ],
    [
      'content-length-range with a negative bound',
      () => [['key', 'v/x'], ...sigV2Fields(origin.credentials, { expiration: '2099-01-01T00:00:00Z', conditions: [['content-length-range', -1, 0]] })],
      'file',
      'InvalidPolicyDocument',
      400,
    ],
    [
      'an unknown condition operator',
      () => [['key', 'v/x'], ...sigV2Fields(origin.credentials, { expiration: '2099-01-01T00:00:00Z', conditions: [['ends-with', '$key', 'x']] })],
      'file',
      'InvalidPolicyDocument',
      400,
    ],
    ['no file part', () => [['key', 'v/x'], ...v4(base())], 'none', 'IncorrectNumberOfFilesInPostRequest', 400, 'POST requires exactly one file upload per request.'],
    [
      'a Content-Type with a line break (it could never be sent back as a header)',
      () => [['key', 'v/x'], ['Content-Type', 'text/plain\r\nX-Evil: 1'], ...v4([...base(), ['starts-with', '$Content-Type', '']])],
      'file',
      'InvalidArgument',
      400,
    ],
    ['an invalid acl value', () => [['key', 'v/x'], ['acl', 'everyone'], ...v4([...base(), ['starts-with', '$acl', '']])], 'file', 'InvalidArgument', 400],
    [
      'x-amz-checksum-sha256 that does not match the file',
      () => [['key', 'v/x'], ['x-amz-checksum-sha256', createHash('sha256').update('other').digest('base64')], ...v4(base())],
      'file',
      'BadDigest',
      400,
      'The SHA256 you specified did not match the calculated checksum.',
    ],
    [
      'x-amz-checksum-crc32 that is not a checksum',
      () => [['key', 'v/x'], ['x-amz-checksum-crc32', 'sailorjerry'], ...v4(base())],
      'file',
      'InvalidRequest',
      400,
      'Value for x-amz-checksum-crc32 header is invalid.',
    ],
    [
      'Content-MD5 that does not match the file',
      () => [['key', 'v/x'], ['Content-MD5', '1B2M2Y8AsgTpgAmY7PhCfg=='], ...v4([...base(), ['starts-with', '$Content-MD5', '']])],
      'file',
      'BadDigest',
      400,
    ],
  ];

  it.each(rows)('%s → %s', async (_name, form, file, code, status, message) => {
    const content = file === 'big' ? Buffer.alloc(2 * 1024 * 1024, 7) : 'some file bytes';
    const r = await postForm(u(), form(), file === 'none' ? null : { content, filename: 'f.txt' });
    const err = errorOf(r.body);
    expect({ status: r.status, code: err.code }, r.body).toEqual({ status, code });
    if (typeof message === 'string') expect(err.message).toBe(message);
    expect(await keysIn(b)).toEqual([]);
  });

  it('a form with a broken multipart body is MalformedPOSTRequest and the server keeps serving', async () => {
    const part = (name: string, value: string): string => `--xyz\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const signed = [['key', 'v/x'], ...v4([{ bucket: b }, ['starts-with', '$key', 'v/']])].map(([n, v]) => part(n!, v!)).join('');
    for (const body of [
      // A file part whose closing boundary never comes.
      `${signed}--xyz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nunterminated`,
      // A part without its header block end.
      `${signed}--xyz\r\nContent-Disposition: form-data; name="file"`,
    ]) {
      const r = await fetch(u(), { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, body });
      expect([r.status, errorOf(await r.text()).code]).toEqual([400, 'MalformedPOSTRequest']);
    }
    const noBoundary = await fetch(u(), { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' });
    expect([noBoundary.status, errorOf(await noBoundary.text()).code]).toEqual([400, 'MalformedPOSTRequest']);
    expect(await keysIn(b)).toEqual([]);
  });

  it('fields before the file beyond the pre-data limit → MaxPostPreDataLengthExceededError, also when sent as a part with a filename', async () => {
    const r = await postForm(
      u(),
      [
        ['key', 'v/x'],
        ['x-ignore-padding', 'p'.repeat(70 * 1024)],
      ],
      { content: 'x' },
    );
    expect([r.status, errorOf(r.body).code]).toEqual([400, 'MaxPostPreDataLengthExceededError']);
    const asFile = await postForm(u(), [['key', 'v/x']], { content: Buffer.alloc(8 * 1024 * 1024, 1), fieldName: 'x-ignore-blob', filename: 'blob.bin' });
    expect([asFile.status, errorOf(asFile.body).code]).toEqual([400, 'MaxPostPreDataLengthExceededError']);
    expect(await keysIn(b)).toEqual([]);
  });
});
