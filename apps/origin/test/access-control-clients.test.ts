/**
 * ACLs through real clients besides the SDK: the `aws` CLI (put-bucket-acl --grant-read,
 * get-object-acl), boto3 with an AccessControlPolicy document, and `s3cmd setacl --acl-public`
 * (which sends a document too). Each skips loudly when its tool is missing (fails under CI=true).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, GetBucketAclCommand, GetObjectAclCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { hasAwsCli, hasBoto3, makeS3Client, makeTempDir, requireTool, runAws, runCommand, type TempDir } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const ALT = { accessKeyId: 'ALTCLIENTKEY00000001', secretAccessKey: 'alt-client-secret-alt-client-secret-01', displayName: 'alt', email: 'alt@example.com' };
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

let origin: TestOrigin;
let tmp: TempDir;
let altId = '';

beforeAll(async () => {
  origin = await startTestOrigin({ extraUsers: [ALT] });
  tmp = await makeTempDir('bucketfront-acl-clients-');
  const alt = makeS3Client(origin.url, ALT);
  await alt.send(new CreateBucketCommand({ Bucket: 'alt-own' }));
  altId = (await alt.send(new GetBucketAclCommand({ Bucket: 'alt-own' }))).Owner!.ID!;
  alt.destroy();
});
afterAll(async () => {
  await origin?.stop();
  await tmp?.cleanup();
});

async function anonStatus(path: string): Promise<number> {
  const res = await fetch(`${origin.url}${path}`);
  await res.arrayBuffer();
  return res.status;
}

describe.skipIf(!hasAwsCli())('aws CLI', () => {
  it('put-bucket-acl --grant-read by e-mail lets that user list; get-object-acl shows a canned ACL’s grants', async () => {
    const aws = async (args: string[], credentials = origin.credentials): Promise<string> => {
      const r = await runAws(args, { endpointUrl: origin.url, credentials });
      if (r.code !== 0) throw new Error(`aws ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    await aws(['s3api', 'create-bucket', '--bucket', 'cli-acl']);
    expect((await runAws(['s3api', 'list-objects-v2', '--bucket', 'cli-acl'], { endpointUrl: origin.url, credentials: ALT })).code).not.toBe(0);
    await aws(['s3api', 'put-bucket-acl', '--bucket', 'cli-acl', '--grant-read', 'emailAddress=alt@example.com']);
    await aws(['s3api', 'list-objects-v2', '--bucket', 'cli-acl'], ALT);
    const bucketAcl = JSON.parse(await aws(['s3api', 'get-bucket-acl', '--bucket', 'cli-acl'])) as { Grants: { Grantee: { ID?: string }; Permission: string }[] };
    expect(bucketAcl.Grants.map((g) => `${g.Grantee.ID} ${g.Permission}`)).toEqual([`${altId} READ`]);
    await aws(['s3api', 'put-object', '--bucket', 'cli-acl', '--key', 'k', '--acl', 'public-read']);
    const objectAcl = JSON.parse(await aws(['s3api', 'get-object-acl', '--bucket', 'cli-acl', '--key', 'k'])) as { Grants: { Grantee: { ID?: string; URI?: string }; Permission: string }[] };
    expect(objectAcl.Grants.map((g) => `${g.Grantee.URI ?? 'owner'} ${g.Permission}`)).toEqual([`${ALL_USERS} READ`, 'owner FULL_CONTROL']);
    const bad = await runAws(['s3api', 'put-bucket-acl', '--bucket', 'cli-acl', '--grant-read', 'emailAddress=nobody@example.com'], { endpointUrl: origin.url, credentials: origin.credentials });
    expect(bad.stderr).toContain('UnresolvableGrantByEmailAddress');
  });
});

describe.skipIf(!hasBoto3())('boto3', () => {
  it('put_object_acl with an AccessControlPolicy document granting another user READ', async () => {
    const script = `
import sys, boto3
from botocore.config import Config
url, key, secret, alt_key, alt_secret, alt_id = sys.argv[1:]
s3 = boto3.client('s3', endpoint_url=url, aws_access_key_id=key, aws_secret_access_key=secret, region_name='us-east-1', config=Config(s3={'addressing_style': 'path'}))
alt = boto3.client('s3', endpoint_url=url, aws_access_key_id=alt_key, aws_secret_access_key=alt_secret, region_name='us-east-1', config=Config(s3={'addressing_style': 'path'}))
s3.create_bucket(Bucket='boto-acl')
s3.put_object(Bucket='boto-acl', Key='doc', Body=b'hello')
owner = s3.get_object_acl(Bucket='boto-acl', Key='doc')['Owner']
s3.put_object_acl(Bucket='boto-acl', Key='doc', AccessControlPolicy={'Owner': owner, 'Grants': [
  {'Grantee': {'Type': 'CanonicalUser', 'ID': owner['ID']}, 'Permission': 'FULL_CONTROL'},
  {'Grantee': {'Type': 'CanonicalUser', 'ID': alt_id}, 'Permission': 'READ'}]})
print(alt.get_object(Bucket='boto-acl', Key='doc')['Body'].read().decode())
try:
  s3.put_object_acl(Bucket='boto-acl', Key='doc', AccessControlPolicy={'Owner': owner, 'Grants': [{'Grantee': {'Type': 'CanonicalUser', 'ID': '0' * 64}, 'Permission': 'READ'}]})
except Exception as e:
  print(e.response['Error']['Code'])
`;
    const r = await runCommand('python3', ['-W', 'ignore', '-c', script, origin.url, origin.credentials.accessKeyId, origin.credentials.secretAccessKey, ALT.accessKeyId, ALT.secretAccessKey, altId]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['hello', 'InvalidArgument']);
  });
});

describe.skipIf(!requireTool('s3cmd', 'apt-get install -y s3cmd'))('s3cmd', () => {
  it('setacl --acl-public makes an object readable anonymously; --acl-private takes it back', async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 's3cmd-acl' }));
    await origin.s3.send(new PutObjectCommand({ Bucket: 's3cmd-acl', Key: 'page.html', Body: '<p>hi</p>' }));
    const host = new URL(origin.url).host;
    const config = join(tmp.path, 's3cfg');
    await writeFile(
      config,
      `[default]\naccess_key = ${origin.credentials.accessKeyId}\nsecret_key = ${origin.credentials.secretAccessKey}\nhost_base = ${host}\nhost_bucket = ${host}\nuse_https = False\nsignature_v2 = False\nbucket_location = us-east-1\n`,
    );
    const s3cmd = (args: string[]) => runCommand('s3cmd', ['-c', config, ...args]);
    expect(await anonStatus('/s3cmd-acl/page.html')).toBe(403);
    const pub = await s3cmd(['setacl', '--acl-public', 's3://s3cmd-acl/page.html']);
    expect(pub.code, pub.stderr).toBe(0);
    expect(await anonStatus('/s3cmd-acl/page.html')).toBe(200);
    const acl = await origin.s3.send(new GetObjectAclCommand({ Bucket: 's3cmd-acl', Key: 'page.html' }));
    expect(acl.Grants?.some((g) => g.Grantee?.URI === ALL_USERS && g.Permission === 'READ')).toBe(true);
    const priv = await s3cmd(['setacl', '--acl-private', 's3://s3cmd-acl/page.html']);
    expect(priv.code, priv.stderr).toBe(0);
    expect(await anonStatus('/s3cmd-acl/page.html')).toBe(403);
  });
});
