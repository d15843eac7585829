export { EncryptingStore, withEncryption } from './encrypting-store.js';
export { KeyStore, SSE_S3_KEY_ID, AWS_MANAGED_S3_ALIAS, type KmsKeyInfo, type KeyState } from './key-store.js';
export { readMasterKeys, ensureMasterKeyFile, appendMasterKey, parseMasterKeys, type MasterKeys } from './master-keys.js';
export { sealedSize, plainSize, SEGMENT_BYTES } from './format.js';
export { wrapKey, unwrapKey, UnwrapFailed } from './key-wrap.js';
export { gcmImplementation } from './native-gcm.js';
