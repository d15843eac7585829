/**
 * S3 errors as values: an AWS error code, its HTTP status, a message and
 * optional detail elements, with renderers for the XML API and HTML pages.
 *
 * Status table copied from
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
 */
import { escapeXml } from '@bucketfront/http-basics';

/** code → [HTTP status, default message] */
export const S3_ERROR_CODES = {
  AccessDenied: [403, 'Access Denied'],
  // CORS preflights (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html).
  AccessForbidden: [
    403,
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
  ],
  BadRequest: [400, 'Insufficient information. Origin request header needed.'],
  // SSE-KMS through S3 (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html and the KMS API's errors).
  'KMS.NotFoundException': [400, 'Invalid keyId'],
  'KMS.DisabledException': [400, 'The KMS key is disabled.'],
  InvalidEncryptionAlgorithmError: [400, 'The encryption request you specified is not valid. The valid value is AES256.'],
  AccountProblem: [403, 'There is a problem with your AWS account that prevents the action from completing successfully.'],
  AuthorizationHeaderMalformed: [400, 'The authorization header is malformed.'],
  AuthorizationQueryParametersError: [400, 'Error parsing the X-Amz-Credential parameter.'],
  BadDigest: [400, 'The Content-MD5 you specified did not match what we received.'],
  BucketAlreadyExists: [409, 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.'],
  BucketAlreadyOwnedByYou: [409, 'Your previous request to create the named bucket succeeded and you already own it.'],
  BucketNotEmpty: [409, 'The bucket you tried to delete is not empty'],
  CredentialsNotSupported: [400, 'This request does not support credentials.'],
  EntityTooSmall: [400, 'Your proposed upload is smaller than the minimum allowed object size.'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed object size.'],
  ExpiredToken: [400, 'The provided token has expired.'],
  IllegalLocationConstraintException: [400, 'The specified location-constraint is not valid.'],
  IncompleteBody: [400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'],
  IncompleteSignature: [400, 'The request signature does not conform to AWS standards.'],
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  InvalidAccessKeyId: [403, 'The AWS access key Id you provided does not exist in our records.'],
  InvalidArgument: [400, 'Invalid Argument'],
  InvalidBucketName: [400, 'The specified bucket is not valid.'],
  InvalidBucketState: [409, 'The request is not valid with the current state of the bucket.'],
  InvalidDigest: [400, 'The Content-MD5 you specified is not valid.'],
  InvalidLocationConstraint: [400, 'The specified location constraint is not valid.'],
  InvalidObjectState: [403, 'The operation is not valid for the current state of the object.'],
  InvalidPart: [400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."],
  InvalidPartOrder: [400, 'The list of parts was not in ascending order. Parts must be ordered by part number.'],
  InvalidPartNumber: [416, 'The requested partnumber is not satisfiable'],
  InvalidPolicyDocument: [400, 'The content of the form does not meet the conditions specified in the policy document.'],
  InvalidRange: [416, 'The requested range is not satisfiable'],
  InvalidRequest: [400, 'Invalid Request'],
  InvalidStorageClass: [400, 'The storage class you specified is not valid.'],
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html (each case has its own message)
  InvalidTag: [400, 'The TagValue you have provided is invalid'],
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLogging.html (message as S3 sends it for a missing target)
  InvalidTargetBucketForLogging: [400, 'The target bucket for logging does not exist'],
  InvalidToken: [400, 'The provided token is malformed or otherwise invalid.'],
  // S3 Express append (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_Errors).
  InvalidWriteOffset: [400, 'The write offset value that you specified does not match the current object size.'],
  TooManyParts: [400, 'You have attempted to add more parts than the maximum of 10000 that are allowed for this object.'],
  InvalidURI: [400, "Couldn't parse the specified URI."],
  KeyTooLongError: [400, 'Your key is too long'],
  MalformedACLError: [400, 'The XML you provided was not well-formed or did not validate against our published schema.'],
  MalformedPOSTRequest: [400, 'The body of your POST request is not well-formed multipart/form-data.'],
  MalformedTrailerError: [400, 'The request contained trailing data that was not well-formed or did not conform to our published schema.'],
  MalformedXML: [400, 'The XML you provided was not well-formed or did not validate against our published schema'],
  MalformedPolicy: [400, "Policies must be valid JSON and the first byte must be '{'"],
  MaxMessageLengthExceeded: [400, 'Your request was too big.'],
  MaxPostPreDataLengthExceededError: [400, 'Your POST request fields preceding the upload file were too large.'],
  IncorrectNumberOfFilesInPostRequest: [400, 'POST requires exactly one file upload per request.'],
  MetadataTooLarge: [400, 'Your metadata headers exceed the maximum allowed metadata size.'],
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.'],
  MissingContentLength: [411, 'You must provide the Content-Length HTTP header.'],
  MissingRequestBodyError: [400, 'Request Body is empty'],
  MissingSecurityHeader: [400, 'Your request is missing a required header.'],
  NoSuchBucket: [404, 'The specified bucket does not exist'],
  NoSuchBucketPolicy: [404, 'The bucket policy does not exist'],
  NoSuchConfiguration: [404, 'The specified configuration does not exist.'],
  NoSuchCORSConfiguration: [404, 'The CORS configuration does not exist'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchLifecycleConfiguration: [404, 'The lifecycle configuration does not exist'],
  NoSuchTagSet: [404, 'The TagSet does not exist'],
  NoSuchUpload: [404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'],
  NoSuchVersion: [404, 'The specified version does not exist.'],
  NoSuchWebsiteConfiguration: [404, 'The specified bucket does not have a website configuration'],
  NotImplemented: [501, 'A header you provided implies functionality that is not implemented'],
  NotModified: [304, 'Not Modified'],
  ObjectLockConfigurationNotFoundError: [404, 'Object Lock configuration does not exist for this bucket'],
  OperationAborted: [409, 'A conflicting conditional operation is currently in progress against this resource. Try again.'],
  PermanentRedirect: [301, 'The bucket you are attempting to access must be addressed using the specified endpoint.'],
  PreconditionFailed: [412, 'At least one of the pre-conditions you specified did not hold'],
  Redirect: [307, 'Temporary redirect.'],
  ReplicationConfigurationNotFoundError: [404, 'The replication configuration was not found'],
  RequestHeaderSectionTooLarge: [400, 'Your request header section exceeds the maximum allowed size.'],
  RequestTimeout: [400, 'Your socket connection to the server was not read from or written to within the timeout period.'],
  RequestTimeTooSkewed: [403, "The difference between the request time and the server's time is too large."],
  // ErrorResponses.html lists 400, but S3 answered GetBucketEncryption on a bucket without a
  // configuration with 404 (the status SDKs and ceph/s3-tests saw), so we answer 404.
  ServerSideEncryptionConfigurationNotFoundError: [404, 'The server side encryption configuration was not found'],
  ServiceUnavailable: [503, 'Please reduce your request rate.'],
  SignatureDoesNotMatch: [403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
  SlowDown: [503, 'Please reduce your request rate.'],
  TemporaryRedirect: [307, 'You are being redirected to the bucket while DNS updates.'],
  TooManyBuckets: [400, 'You have attempted to create more buckets than allowed.'],
  UnexpectedContent: [400, 'This request does not support content.'],
  XAmzContentSHA256Mismatch: [400, "The provided 'x-amz-content-sha256' header does not match what was computed."],
  // Deviation from S3: S3 never runs out of space; a full disk is reported as 507.
  // Access control (issue 15): https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
  UnresolvableGrantByEmailAddress: [400, 'The e-mail address you provided does not match any account on record.'],
  AccessControlListNotSupported: [400, 'The bucket does not allow ACLs'],
  InvalidBucketAclWithObjectOwnership: [400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"],
  NoSuchPublicAccessBlockConfiguration: [404, 'The public access block configuration was not found'],
  OwnershipControlsNotFoundError: [404, 'The bucket ownership controls were not found'],
  InsufficientStorage: [507, 'The server does not have enough storage to complete the request.'],
} as const satisfies Record<string, readonly [number, string]>;

export type S3ErrorCode = keyof typeof S3_ERROR_CODES;

export function isS3ErrorCode(code: string): code is S3ErrorCode {
  return Object.hasOwn(S3_ERROR_CODES, code);
}

export class S3Error extends Error {
  readonly status: number;

  constructor(
    readonly code: S3ErrorCode,
    message?: string,
    /** Extra elements of the error document, in order (e.g. `{ BucketName: 'x' }`). */
    readonly detail: Record<string, string> = {},
    /** Overrides the table's status where S3 itself does (e.g. AccessDenied is always 403). */
    status?: number,
  ) {
    const [defaultStatus, defaultMessage] = S3_ERROR_CODES[code];
    super(message ?? defaultMessage);
    this.name = 'S3Error';
    this.status = status ?? defaultStatus;
  }

  /** Any code string (e.g. from a store or the sigv4 package) → S3Error; unknown codes become InternalError. */
  static from(code: string, message?: string, detail?: Record<string, string>, status?: number): S3Error {
    if (isS3ErrorCode(code)) return new S3Error(code, message, detail, status);
    return new S3Error('InternalError');
  }

  /** Wraps anything thrown: S3Errors pass through, everything else is an InternalError without internals. */
  static wrap(err: unknown): S3Error {
    if (err instanceof S3Error) return err;
    return new S3Error('InternalError');
  }

  /**
   * The XML error document:
   * `<Error><Code/><Message/>…detail…<RequestId/><HostId/></Error>`.
   * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses
   */
  renderXml(requestId: string, hostId: string): string {
    let detail = '';
    for (const [name, value] of Object.entries(this.detail)) {
      detail += `<${name}>${escapeXml(value)}</${name}>`;
    }
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${this.code}</Code><Message>${escapeXml(this.message)}</Message>${detail}` +
      `<RequestId>${escapeXml(requestId)}</RequestId><HostId>${escapeXml(hostId)}</HostId></Error>`
    );
  }

  /** The website endpoint's HTML error page (no custom error document section). */
  renderHtml(requestId: string, hostId: string): string {
    const title = `${this.status} ${HTTP_REASON[this.status] ?? 'Error'}`;
    const lines = [
      '<html>',
      `<head><title>${title}</title></head>`,
      '<body>',
      `<h1>${title}</h1>`,
      '<ul>',
      `<li>Code: ${escapeXml(this.code)}</li>`,
      `<li>Message: ${escapeXml(this.message)}</li>`,
      ...Object.entries(this.detail).map(([k, v]) => `<li>${escapeXml(k)}: ${escapeXml(v)}</li>`),
      `<li>RequestId: ${escapeXml(requestId)}</li>`,
      `<li>HostId: ${escapeXml(hostId)}</li>`,
      '</ul>',
      '<hr/>',
      '</body>',
      '</html>',
      '',
    ];
    return lines.join('\n');
  }
}

const HTTP_REASON: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  411: 'Length Required',
  412: 'Precondition Failed',
  416: 'Requested Range Not Satisfiable',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};
