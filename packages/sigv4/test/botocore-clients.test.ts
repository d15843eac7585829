/**
 * The aws CLI v1 and python3 boto3 (botocore) against verifyRequest + createPayloadDecoder.
 * Skipped loudly when the tool is missing.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEnv, hasTool, requireTool, runAws, runCommand } from '@bucketfront/test-support';
import { checksumBase64 } from '@bucketfront/sigv4';
import { startWithScratchDir, stopWithScratchDir, type Recorded, type VerifierServer } from './verifier-server.js';

const CREDS = { accessKeyId: 'AKIDBOTOTEST', secretAccessKey: 'boto-secret/key+x' };
const SECRETS = { [CREDS.accessKeyId]: CREDS.secretAccessKey };
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const lastPut = (s: VerifierServer): Recorded | undefined => [...s.requests].reverse().find((r) => r.method === 'PUT');

const haveAws = requireTool('aws', 'pip install awscli (or apt-get install -y awscli)');
const haveBoto3 = hasTool('python3') && hasTool('python3', ['-c', 'import boto3']);
if (!haveBoto3) {
  console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING boto3 tests: python3 with boto3 is not installed. Install it with: pip install boto3\n${'!'.repeat(78)}\n`);
}

let server: VerifierServer;
let dir: string;
beforeAll(async () => {
  ({ server, dir } = await startWithScratchDir(SECRETS, 'sigv4-boto-'));
});
afterAll(() => stopWithScratchDir(server, dir));

describe.skipIf(!haveAws)('aws CLI v1', () => {
  it('s3api put-object: Expect 100-continue, hex sha256 payload, crc32 header', async () => {
    const file = join(dir, 'cli.txt');
    const data = Buffer.from('uploaded by aws s3api put-object\n'.repeat(100));
    writeFileSync(file, data);
    const r = await runAws(['s3api', 'put-object', '--bucket', 'bucket', '--key', 'dir/cli file.txt', '--body', file], {
      endpointUrl: server.url,
      credentials: CREDS,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rec = lastPut(server);
    expect(rec).toMatchObject({ outcome: 'signed', via: 'header', payload: 'sha256', bodySha256: sha(data) });
    expect(rec?.headers.expect).toBe('100-continue');
    expect(rec?.checksum).toEqual({ algorithm: 'CRC32', value: checksumBase64('CRC32', data) });
  });

  it('s3 cp of a small file', async () => {
    const file = join(dir, 'cp.bin');
    const data = Buffer.alloc(20_000, 9);
    writeFileSync(file, data);
    const r = await runAws(['s3', 'cp', file, 's3://bucket/cp.bin'], { endpointUrl: server.url, credentials: CREDS });
    expect(r.code, r.stderr).toBe(0);
    expect(lastPut(server)).toMatchObject({ outcome: 'signed', bodySha256: sha(data), decodedLength: data.length });
  });

  it('s3 presign (Signature V2 query auth) is accepted; tampered is rejected', async () => {
    const r = await runAws(['s3', 'presign', 's3://bucket/some key.txt', '--expires-in', '120'], {
      endpointUrl: server.url,
      credentials: CREDS,
    });
    expect(r.code, r.stderr).toBe(0);
    const url = r.stdout.trim();
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ outcome: 'signed', via: 'presigned', accessKeyId: CREDS.accessKeyId });
    const bad = await fetch(url.replace('some%20key', 'other%20key'));
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('a wrong secret → SignatureDoesNotMatch', async () => {
    const r = await runAws(['s3api', 'head-object', '--bucket', 'bucket', '--key', 'k'], {
      endpointUrl: server.url,
      credentials: { accessKeyId: CREDS.accessKeyId, secretAccessKey: 'wrong' },
    });
    expect(r.code).not.toBe(0);
    expect(server.requests[server.requests.length - 1]?.error?.code).toBe('SignatureDoesNotMatch');
  });
});

const BOTO_SCRIPT = `
import io, json, sys, urllib.request
import boto3
from botocore.config import Config
endpoint, mode = sys.argv[1], sys.argv[2]
out = {}
c = boto3.client('s3', endpoint_url=endpoint, config=Config(retries={'max_attempts': 1}))
c.put_object(Bucket='bucket', Key='boto/put.txt', Body=b'boto3 put_object body')
c.upload_fileobj(io.BytesIO(b'x' * 70000), 'bucket', 'boto/upload.bin')
v2 = c.generate_presigned_url('get_object', Params={'Bucket': 'bucket', 'Key': 'boto/a b.txt'}, ExpiresIn=60)
out['v2'] = json.loads(urllib.request.urlopen(v2).read())
c4 = boto3.client('s3', endpoint_url=endpoint, config=Config(signature_version='s3v4'))
v4 = c4.generate_presigned_url('get_object', Params={'Bucket': 'bucket', 'Key': 'boto/a b.txt', 'ResponseContentType': 'text/plain'}, ExpiresIn=60)
out['v4'] = json.loads(urllib.request.urlopen(v4).read())
print(json.dumps(out))
`;

describe.skipIf(!haveBoto3)('python3 boto3', () => {
  it('put_object, upload_fileobj, presigned V2 and V4 URLs', async () => {
    const r = await runCommand('python3', ['-c', BOTO_SCRIPT, server.url, 'all'], { env: awsEnv(CREDS) });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { v2: Recorded; v4: Recorded };
    expect(out.v2).toMatchObject({ outcome: 'signed', via: 'presigned' });
    expect(out.v4).toMatchObject({ outcome: 'signed', via: 'presigned', payload: 'unsigned' });
    const puts = server.requests.filter((q) => q.method === 'PUT' && q.path.startsWith('/bucket/boto/'));
    expect(puts.map((p) => [p.outcome, p.bodySha256])).toEqual([
      ['signed', sha('boto3 put_object body')],
      ['signed', sha(Buffer.alloc(70000, 'x'))],
    ]);
  });
});
