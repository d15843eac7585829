/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html — the browser form upload.
 * The HTTP request is anonymous; the form authorizes itself: a policy signed with SigV4
 * (x-amz-algorithm/-credential/-date/-signature) or SigV2 (AWSAccessKeyId/signature), whose
 * conditions every field must meet (docs/post-object.md). A form without a policy is an
 * anonymous write, allowed only when the bucket grants s3:PutObject to everyone.
 * The file part streams into the store; any violation leaves nothing stored.
 */
import { S3Error, validateObjectKey } from '@bucketfront/s3-protocol';
import { verifyPostPolicy, missingFormField } from '@bucketfront/sigv4';
import { pipeline } from 'node:stream';
import { S3_LIMITS } from '@bucketfront/object-store';
import { isAnonymousAllowed, requireBucket } from '../access.js';
import type { BucketFacts } from '../bucket-facts.js';
import { withBody } from '../body.js';
import type { OpOf, S3Context, S3Handler, S3Response } from '../context.js';
import { urlEncodeKey } from '../listing.js';
import { CHECKSUM_HEADERS, metadataFromHeaders } from '../object-headers.js';
import { taggingFromXml } from '../tagging.js';
import { bucketDefaultEncryption, encryptionHeaders, encryptionRequestFrom } from '../sse-headers.js';
import { writtenVersionIdHeader } from '../versions.js';
import { headersFromFields, type FormFields } from '../post-object/form-fields.js';
import { readFormUntilFile, type FormPrelude } from '../post-object/form-reader.js';
import { checkPolicyConditions, type SizeRange } from '../post-object/policy-conditions.js';
import { parsePostPolicy } from '../post-object/policy-document.js';
import { expectedChecksumOf, guardFile } from '../post-object/file-guard.js';
import { postSuccessResponse } from '../post-object/success-response.js';
import { pendingReplication, recordReplication } from '../replica-writes.js';

/** The fields that sign a form; one of them without a policy is a broken signed form, not an anonymous one. */
const SIGNATURE_FIELDS = ['awsaccesskeyid', 'signature', 'x-amz-signature', 'x-amz-credential', 'x-amz-algorithm'];

/** The key's placeholder for the file's name (written so, as it is not a template). */
const FILENAME_VARIABLE = '$' + '{filename}';

export const PostObject: S3Handler<OpOf<'PostObject'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const bucketDefault = await bucketDefaultEncryption(ctx, bucket);
  return withBody(ctx, async (body) => {
    const prelude = await readFormUntilFile(body, ctx.req.headers);
    // Thrown, so that a failure of the body itself (RequestTimeout, an aborted upload) wins.
    if (prelude instanceof S3Error) throw prelude;
    try {
      return await storeForm(ctx, facts, prelude, bucketDefault);
    } finally {
      // The file part is either fully read by the store or abandoned here.
      if (!prelude.file.stream.readableEnded) prelude.file.stream.destroy();
    }
  });
};

async function storeForm(
  ctx: S3Context<OpOf<'PostObject'>>,
  facts: BucketFacts,
  prelude: FormPrelude,
  bucketDefault: Awaited<ReturnType<typeof bucketDefaultEncryption>>,
): Promise<S3Response | S3Error> {
  const { bucket } = ctx.op;
  const { fields, file } = prelude;
  const authorized = authorizeForm(ctx, facts, fields, file.filename);
  if (authorized instanceof S3Error) return authorized;
  const { key, range } = authorized;

  const headers = headersFromFields(fields);
  if (headers instanceof S3Error) return headers;
  const metadata = metadataFromHeaders(headers);
  if (metadata instanceof S3Error) return metadata;
  // The `tagging` field is a Tagging XML document (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html).
  const taggingField = fields.get('tagging');
  if (taggingField !== undefined && taggingField !== '') {
    const tagging = taggingFromXml(taggingField);
    if (tagging instanceof S3Error) return tagging;
    if (tagging !== undefined) metadata.tagging = tagging;
  }
  // PutObject's SSE rules over the form's fields: a view of the request whose headers are the
  // fields (its socket, TLS or not, stays the request's: SSE-C needs TLS).
  const formRequest = Object.assign(Object.create(ctx.req) as typeof ctx.req, { headers });
  const encryption = encryptionRequestFrom(formRequest, bucketDefault);
  if (encryption instanceof S3Error) return encryption;
  const contentMd5 = fields.get('content-md5');
  const checksum = expectedChecksumOf(fields);
  if (checksum instanceof S3Error) return checksum;
  // Verified by guardFile before the body ends; a mismatch fails the write, so it is never stored wrong.
  if (checksum) metadata.checksum = { ...checksum, type: 'FULL_OBJECT' };

  const limited = guardFile(range ?? { min: 0, max: S3_LIMITS.maxSinglePutBytes }, checksum);
  let streamError: Error | undefined;
  pipeline(file.stream, limited, (err) => {
    streamError = err ?? undefined;
  });
  const replication = await pendingReplication(ctx, bucket, key, metadata);
  let info: Awaited<ReturnType<typeof ctx.store.putObject>>;
  try {
    info = await ctx.store.putObject(bucket, key, limited, metadata, {
      ...(contentMd5 !== undefined ? { contentMd5 } : {}),
      ...(encryption !== undefined ? { encryption } : {}),
    });
  } catch (err) {
    // The size range's or checksum's own error; a file part the parser could not finish is a broken form
    // (a failure of the body itself, e.g. RequestTimeout, still wins: see withBody).
    if (streamError instanceof S3Error) throw streamError;
    if (streamError !== undefined) throw new S3Error('MalformedPOSTRequest');
    throw err;
  }
  await recordReplication(ctx, replication, bucket, key, info);
  const etag = info.etag;
  await ctx.notify({ eventName: 'ObjectCreated:Post', bucket, key, size: info.size, eTag: etag.replace(/"/g, ''), ...(info.versionId !== undefined ? { versionId: info.versionId } : {}) });
  const extra = [...encryptionHeaders(info.metadata.encryption, { context: true }), ...writtenVersionIdHeader(info)];
  if (checksum) extra.push(CHECKSUM_HEADERS[checksum.algorithm], checksum.value);
  return postSuccessResponse(fields, { bucket, key, etag, location: `${ctx.baseUrl}/${bucket}/${urlEncodeKey(key)}` }, extra);
}

/**
 * The key (with `${filename}` substituted) and the size range, once the form is allowed: a valid
 * signed policy the fields meet, or (no policy) a bucket that lets anyone write the key.
 */
function authorizeForm(ctx: S3Context<OpOf<'PostObject'>>, facts: BucketFacts, fields: FormFields, filename: string): { key: string; range: SizeRange | undefined } | S3Error {
  const rawKey = fields.get('key');
  if (rawKey === undefined || rawKey === '') return fromAuthFailure(missingFormField('key'));
  // https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html: "${filename}" is replaced by the file's name.
  // A function replacement: a string one would expand `$&`, `$'`, `` $` `` in the (client-chosen) filename.
  const key = rawKey.replaceAll(FILENAME_VARIABLE, () => filename);
  const keyError = validateObjectKey(key);
  if (keyError) return keyError;

  const policyBase64 = fields.get('policy');
  if (policyBase64 === undefined) {
    if (SIGNATURE_FIELDS.some((f) => fields.has(f))) return fromAuthFailure(missingFormField('Policy'));
    // An unsigned form is an anonymous write. Deviation from S3: a form POST whose HTTP request
    // is itself signed by the account (Authorization header / presigned URL) is the account's write.
    // Setting the object's ACL (the `acl` field, PutObject's x-amz-acl) also needs s3:PutObjectAcl
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_Permissions):
    // else a write-only drop box could be turned into public hosting by its anonymous writers.
    const allowed = isAnonymousAllowed(ctx, facts, 's3:PutObject', key) && (!fields.has('acl') || isAnonymousAllowed(ctx, facts, 's3:PutObjectAcl', key));
    return allowed ? { key, range: undefined } : new S3Error('AccessDenied');
  }
  const signed = verifyPostPolicy(fields.asMap(), policyBase64, { lookupSecret: ctx.lookupSecret, region: ctx.region });
  if (signed.kind === 'error') return fromAuthFailure(signed);
  const policy = parsePostPolicy(policyBase64);
  if (policy instanceof S3Error) return policy;
  const range = checkPolicyConditions(policy, { bucket: ctx.op.bucket, key, fields, now: new Date() });
  if (range instanceof S3Error) return range;
  return { key, range };
}

function fromAuthFailure(f: { code: string; message: string; detail?: Record<string, string>; status: number }): S3Error {
  return S3Error.from(f.code, f.message, f.detail, f.status);
}
