/**
 * CloudFront API errors as values: an AWS error code, an HTTP status and a message,
 * rendered as CloudFront's ErrorResponse document.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/CommonErrors.html
 */
import { escapeXml } from '@bucketfront/http-basics';
import { CLOUDFRONT_XMLNS, XML_DECLARATION } from './xml.js';

export class ControlError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Client errors are `Sender`, our own failures `Receiver`. */
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/**
 * The error codes the control API produces. Statuses follow botocore's CloudFront
 * service model (2020-05-31) where the error is modelled there.
 */
export const errors = {
  accessDenied: (message = 'Access denied.') => new ControlError('AccessDenied', 403, message),
  signatureDoesNotMatch: (message: string) => new ControlError('SignatureDoesNotMatch', 403, message),
  invalidClientTokenId: (message = 'The security token included in the request is invalid.') => new ControlError('InvalidClientTokenId', 403, message),
  incompleteSignature: (message: string) => new ControlError('IncompleteSignature', 400, message),
  missingBody: () => new ControlError('MissingBody', 400, 'This operation requires a body. Ensure that the body is present and the Content-Type header is set.'),
  /** Not well-formed or not the expected document (CloudFront: "Unexpected list element termination"). */
  malformedInput: (message: string) => new ControlError('MalformedInput', 400, message),
  /** A required member is missing: CloudFront answers with the AWS validation message. */
  missingMember: (member: string) => new ControlError('MalformedXML', 400, `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`),
  invalidArgument: (message: string) => new ControlError('InvalidArgument', 400, message),
  inconsistentQuantities: () => new ControlError('InconsistentQuantities', 400, "The value of Quantity and the size of Items don't match."),
  batchTooLarge: (message = 'Invalidation batch specified is too large.') => new ControlError('BatchTooLarge', 413, message),
  tooManyInvalidationsInProgress: (message: string) => new ControlError('TooManyInvalidationsInProgress', 400, message),
  invalidationBatchAlreadyExists: () =>
    // Not in botocore's model; CloudFront documents the code for a reused CallerReference with a different batch.
    // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html
    new ControlError('InvalidationBatchAlreadyExists', 409, 'The CallerReference you attempted to create the invalidation batch with is already in use with a different batch.'),
  noSuchDistribution: () => new ControlError('NoSuchDistribution', 404, 'The specified distribution does not exist.'),
  noSuchInvalidation: () => new ControlError('NoSuchInvalidation', 404, 'The specified invalidation does not exist.'),
  // CloudFront Functions: codes and statuses of each operation's Errors section
  // (e.g. https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_UpdateFunction.html).
  noSuchFunctionExists: (name: string, stage?: 'DEVELOPMENT' | 'LIVE') =>
    new ControlError('NoSuchFunctionExists', 404, stage === undefined ? `The function ${name} does not exist.` : `The function ${name} has no ${stage} stage.`),
  functionAlreadyExists: (name: string) => new ControlError('FunctionAlreadyExists', 409, `A function with the name ${name} already exists. To update an existing function, use UpdateFunction.`),
  functionSizeLimitExceeded: (message: string) => new ControlError('FunctionSizeLimitExceeded', 413, message),
  functionInUse: (name: string) => new ControlError('FunctionInUse', 409, `Cannot delete the function ${name} because it is associated with one or more cache behaviors.`),
  /** If-Match absent (or empty). */
  invalidIfMatchVersion: () => new ControlError('InvalidIfMatchVersion', 400, 'The If-Match version is missing or not valid for the resource.'),
  /** If-Match is not the current ETag. */
  preconditionFailed: () => new ControlError('PreconditionFailed', 412, "The request failed because it didn't meet the preconditions in one or more request-header fields."),
  unsupportedOperation: (message: string) => new ControlError('UnsupportedOperation', 400, message),
  testFunctionFailed: (message: string) => new ControlError('TestFunctionFailed', 500, message, 'Receiver'),
  // Key value stores: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateKeyValueStore.html#API_CreateKeyValueStore_Errors
  entityAlreadyExists: (message: string) => new ControlError('EntityAlreadyExists', 409, message),
  entityNotFound: (message: string) => new ControlError('EntityNotFound', 404, message),
  entitySizeLimitExceeded: (message: string) => new ControlError('EntitySizeLimitExceeded', 413, message),
  cannotDeleteEntityWhileInUse: (message: string) => new ControlError('CannotDeleteEntityWhileInUse', 409, message),
  notImplemented: (what: string) => new ControlError('NotImplemented', 501, `${what} is not implemented by the bucketfront edge.`),
  methodNotAllowed: (method: string) => new ControlError('MethodNotAllowed', 405, `${method} is not allowed on this resource.`),
  internal: () => new ControlError('InternalError', 500, 'We encountered an internal error. Please try again.'),
} as const;

/** `<ErrorResponse>` as CloudFront returns it. */
export function renderErrorResponse(err: ControlError, requestId: string): string {
  return (
    `${XML_DECLARATION}<ErrorResponse xmlns="${CLOUDFRONT_XMLNS}"><Error>` +
    `<Type>${err.type}</Type><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message>` +
    `</Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
