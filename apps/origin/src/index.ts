/**
 * @bucketfront/origin — the S3 REST API (SigV4) and website endpoints over an ObjectStore.
 * @module
 */
export { startOrigin, type StartOriginOptions, type RunningOrigin, type TlsReloadEvent } from './start-origin.js';
export { isSecureRequest } from './http/secure.js';
export { createOriginHandler, type OriginDeps, type OriginHandler } from './origin-handler.js';
export { resolveCredentials, generateCredentials, CREDENTIALS_FILE, type OriginCredentials } from './credentials.js';
export { createJsonLineSink, type AccessLogEntry, type AccessLogSink } from './http/access-log.js';
export type { WebsiteRequestContext } from './website/index.js';
export type { NotificationsOptions } from './notifications/start-notifications.js';
export { NotificationsConfigError } from './notifications/start-notifications.js';
export { loadOriginConfigFile, parseOriginConfig, OriginConfigError, type OriginConfigFile } from './config-file.js';
export { canonicalOwnerId, staticUserDirectory, type OriginUser, type UserDirectory } from './users/directory.js';
export { UserStore, UserAdminError, FIRST_USER_NAME, MAX_KEYS_PER_USER, type UserInfo, type KeyInfo } from './users/user-store.js';
export { parseStoredBucketAcl } from './s3/bucket-owner.js';
export { RemoteStore, RemoteAdminError, type RemoteInfo } from './replication/remotes.js';
