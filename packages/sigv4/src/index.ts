export type { SigV4Request, VerifyOptions, VerifyResult, SignedResult, SigningContext, PayloadMode } from './types.js';
export type { AuthFailure, AuthFailureCode, PayloadErrorCode } from './errors.js';
export { PayloadError } from './errors.js';
export { verifyRequest, DEFAULT_MAX_SKEW_MS, MAX_PRESIGNED_EXPIRES_SECONDS } from './verify.js';
export { signRequest, signRequestDetailed, presignUrl, splitUrl } from './sign.js';
export type { Credentials, SignRequestInput, SignedRequestDetail, PresignInput } from './sign.js';
export { encodeAwsChunked, chunkStringToSign, trailerStringToSign } from './chunk-signing.js';
export type { EncodeChunkedOptions, ChunkSigningKey } from './chunk-signing.js';
export {
  UNSIGNED_PAYLOAD,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
} from './payload-mode.js';
export { EMPTY_SHA256, sha256Hex } from './canonical.js';
export { deriveSigningKey } from './signing-key.js';
export { formatAmzDate, parseAmzDate } from './amz-date.js';
export {
  crc32,
  crc32c,
  crc64nvme,
  createChecksum,
  checksumBase64,
  compositeChecksum,
  fullObjectChecksum,
  isCrcAlgorithm,
  parseChecksumAlgorithm,
  isValidChecksumValue,
  CHECKSUM_ALGORITHMS,
  CHECKSUM_DIGEST_BYTES,
} from './checksums/index.js';
export type { Checksum, ChecksumAlgorithm } from './checksums/index.js';
export { contentSha256Mismatch, createPayloadDecoder, PayloadDecoder, storedContentEncoding, type PayloadDecoderOptions } from './payload/decoder.js';
export { decodeQueryComponent, decodeQueryComponentStrict, uriEncode } from './uri-encoding.js';
export { SIGV4A_ALGORITHM, deriveSigV4aPrivateKey, sigV4aPublicKey, isSigV4aAuthorization, verifySigV4aRequest } from './sigv4a.js';
export type { SigV4aResult, VerifySigV4aOptions } from './sigv4a.js';
export { POST_POLICY_SIGV4_ALGORITHM, signPostPolicyV4, signPostPolicyV2, verifyPostPolicy, missingFormField } from './post-policy.js';
export type { PostPolicyScope, PostFormFields, VerifyPostPolicyOptions, PostPolicyAuth } from './post-policy.js';
