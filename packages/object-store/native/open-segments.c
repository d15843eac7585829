/*
 * Opens sealed segments (AES-256-GCM, src/encryption/format.ts) in place of node:crypto, for two
 * reasons measured in docs/encryption.md#speed:
 *  - node:crypto's Decipher.update allocates its output twice and copies it once per call (Node 20
 *    src/crypto/crypto_cipher.cc), which costs more than the cipher itself; here every segment is
 *    opened straight into one caller-owned output buffer;
 *  - with a callback the work runs on libuv's thread pool (napi_create_async_work), so a GET's
 *    decryption does not hold the event loop.
 *
 * The cipher is Node's own OpenSSL (its symbols are exported by the node binary: no libcrypto is
 * linked). The segment rules are format.ts's: IV = base with the index added (mod 2^32) to its last
 * four bytes (big-endian), AAD = the index (4 bytes, big-endian) and a last-segment byte (0/1).
 *
 * openSegments(key, ivs, inputs, layout, output[, done])
 *   key     32-byte data key
 *   ivs     12-byte IV bases, one after another
 *   inputs  Buffers holding the sealed bytes (read only); offsets run across them as if joined, so
 *           a segment split between two reads is opened without joining them
 *   layout  Uint32Array, SEGMENT_FIELDS per segment, in input order: input offset, sealed length
 *           (tag included), segment index, last flag, output offset, IV base slot
 *   output  receives each segment's plaintext (sealed length - 16 bytes) at its output offset
 * Returns (or passes to done(null, n)) -1 when every segment authenticated, else the position in
 * layout of the first that did not; the output is then garbage and must be dropped.
 *
 * The key, the IV bases and the layout are copied when called, and the input and output Buffers are
 * referenced until done runs, so changing or dropping them meanwhile is safe; detaching (transferring)
 * their ArrayBuffers before done runs is not, and the one caller (segment-batch.ts) never does.
 */
#include <node_api.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES 32
#define IV_BYTES 12
#define TAG_BYTES 16
#define AAD_BYTES 5
#define SEGMENT_FIELDS 6

typedef struct {
  const uint8_t *data;
  size_t length;
} Chunk;

typedef struct {
  uint8_t key[KEY_BYTES];
  uint8_t *ivs;      /* malloc'd copy */
  Chunk *inputs;     /* malloc'd */
  size_t input_count;
  uint32_t *layout;  /* malloc'd copy: checked once, then read on the pool thread */
  uint8_t *output;
  size_t segments;
  int32_t failed_at; /* -1: all authenticated; -2: OpenSSL could not start */
} Job;

/* Walks the inputs as one run of bytes; segments are visited in increasing offset order. */
typedef struct {
  const Job *job;
  size_t chunk;      /* current chunk */
  uint64_t chunk_at; /* offset of its first byte in the joined run */
} Cursor;

/* Feeds `n` bytes from `offset` to `sink`: each piece is whole within one chunk. */
static int feed(Cursor *c, uint64_t offset, size_t n, int (*sink)(void *, const uint8_t *, size_t), void *arg) {
  while (n > 0) {
    const Chunk *k = &c->job->inputs[c->chunk];
    if (offset >= c->chunk_at + k->length) {
      c->chunk_at += k->length;
      c->chunk++;
      continue;
    }
    size_t from = (size_t)(offset - c->chunk_at);
    size_t take = k->length - from < n ? k->length - from : n;
    if (!sink(arg, k->data + from, take)) return 0;
    offset += take;
    n -= take;
  }
  return 1;
}

typedef struct {
  EVP_CIPHER_CTX *ctx;
  uint8_t *out;
} Decrypting;

static int decrypt_piece(void *arg, const uint8_t *in, size_t n) {
  Decrypting *d = arg;
  int written = 0;
  if (EVP_DecryptUpdate(d->ctx, d->out, &written, in, (int)n) != 1) return 0;
  d->out += written;
  return 1;
}

typedef struct {
  uint8_t *to;
} Copying;

static int copy_piece(void *arg, const uint8_t *in, size_t n) {
  Copying *c = arg;
  memcpy(c->to, in, n);
  c->to += n;
  return 1;
}

static void open_all(Job *job) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (ctx == NULL || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, job->key, NULL) != 1) {
    job->failed_at = -2;
    EVP_CIPHER_CTX_free(ctx);
    return;
  }
  job->failed_at = -1;
  Cursor cursor = {job, 0, 0};
  for (size_t s = 0; s < job->segments; s++) {
    const uint32_t *f = job->layout + s * SEGMENT_FIELDS;
    size_t body = (size_t)f[1] - TAG_BYTES;
    uint32_t index = f[2];
    uint8_t iv[IV_BYTES];
    memcpy(iv, job->ivs + (size_t)f[5] * IV_BYTES, IV_BYTES);
    uint32_t low = ((uint32_t)iv[8] << 24 | (uint32_t)iv[9] << 16 | (uint32_t)iv[10] << 8 | iv[11]) + index;
    iv[8] = low >> 24;
    iv[9] = low >> 16;
    iv[10] = low >> 8;
    iv[11] = low;
    uint8_t aad[AAD_BYTES] = {index >> 24, index >> 16, index >> 8, index, f[3] ? 1 : 0};
    uint8_t tag[TAG_BYTES];
    Copying tag_copy = {tag};
    Decrypting plain = {ctx, job->output + f[4]};
    int n = 0;
    int ok = EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, iv) == 1 && EVP_DecryptUpdate(ctx, NULL, &n, aad, AAD_BYTES) == 1 &&
             feed(&cursor, f[0], body, decrypt_piece, &plain) && feed(&cursor, (uint64_t)f[0] + body, TAG_BYTES, copy_piece, &tag_copy) &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) == 1 && EVP_DecryptFinal_ex(ctx, plain.out, &n) == 1;
    if (!ok) {
      job->failed_at = (int32_t)s;
      break;
    }
  }
  EVP_CIPHER_CTX_free(ctx);
}

/* ---- argument checks: a bad call is a thrown error, never an out-of-bounds access ---- */

static int buffer_arg(napi_env env, napi_value v, uint8_t **data, size_t *len, const char *name) {
  bool is;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) {
    char msg[80];
    snprintf(msg, sizeof msg, "openSegments: %s must be a Buffer", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return napi_get_buffer_info(env, v, (void **)data, len) == napi_ok;
}

static void release(Job *job) {
  free(job->inputs);
  free(job->layout);
  free(job->ivs);
  job->inputs = NULL;
  job->layout = NULL;
  job->ivs = NULL;
}

static int prepare(napi_env env, napi_value *argv, Job *job) {
  uint8_t *key, *ivs, *output;
  size_t key_len, ivs_len, output_len;
  job->inputs = NULL;
  job->layout = NULL;
  job->ivs = NULL;
  if (!buffer_arg(env, argv[0], &key, &key_len, "key") || !buffer_arg(env, argv[1], &ivs, &ivs_len, "ivs") ||
      !buffer_arg(env, argv[4], &output, &output_len, "output"))
    return 0;
  if (key_len != KEY_BYTES) {
    napi_throw_range_error(env, NULL, "openSegments: the key must be 32 bytes");
    return 0;
  }
  bool is_array;
  uint32_t count;
  if (napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[2], &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "openSegments: inputs must be an array of Buffers");
    return 0;
  }
  job->inputs = calloc(count > 0 ? count : 1, sizeof(Chunk));
  if (job->inputs == NULL) {
    napi_throw_error(env, NULL, "openSegments: out of memory");
    return 0;
  }
  job->input_count = count;
  uint64_t input_len = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    uint8_t *data;
    size_t len;
    if (napi_get_element(env, argv[2], i, &item) != napi_ok || !buffer_arg(env, item, &data, &len, "each input")) {
      release(job);
      return 0;
    }
    job->inputs[i].data = data;
    job->inputs[i].length = len;
    input_len += len;
  }
  bool is_typed;
  napi_typedarray_type type;
  size_t fields;
  void *layout;
  if (napi_is_typedarray(env, argv[3], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[3], &type, &fields, &layout, NULL, NULL) != napi_ok || type != napi_uint32_array ||
      fields % SEGMENT_FIELDS != 0) {
    napi_throw_type_error(env, NULL, "openSegments: layout must be a Uint32Array of whole segments");
    release(job);
    return 0;
  }
  job->layout = malloc(fields > 0 ? fields * sizeof(uint32_t) : 1);
  job->ivs = malloc(ivs_len > 0 ? ivs_len : 1);
  if (job->layout == NULL || job->ivs == NULL) {
    napi_throw_error(env, NULL, "openSegments: out of memory");
    release(job);
    return 0;
  }
  memcpy(job->layout, layout, fields * sizeof(uint32_t));
  memcpy(job->ivs, ivs, ivs_len);
  const uint32_t *f = job->layout;
  uint64_t previous_end = 0;
  for (size_t s = 0; s < fields / SEGMENT_FIELDS; s++, f += SEGMENT_FIELDS) {
    if (f[1] < TAG_BYTES || f[0] < previous_end || (uint64_t)f[0] + f[1] > input_len || (uint64_t)f[4] + f[1] - TAG_BYTES > output_len ||
        ((uint64_t)f[5] + 1) * IV_BYTES > ivs_len || f[1] - TAG_BYTES > INT32_MAX) {
      napi_throw_range_error(env, NULL, "openSegments: a segment lies outside its buffers or out of order");
      release(job);
      return 0;
    }
    previous_end = (uint64_t)f[0] + f[1];
  }
  memcpy(job->key, key, KEY_BYTES);
  job->output = output;
  job->segments = fields / SEGMENT_FIELDS;
  return 1;
}

static napi_value result_of(napi_env env, Job *job) {
  napi_value out;
  if (job->failed_at == -2) {
    napi_throw_error(env, NULL, "openSegments: OpenSSL could not set up AES-256-GCM");
    return NULL;
  }
  napi_create_int32(env, job->failed_at, &out);
  return out;
}

/* ---- the thread-pool form ---- */

typedef struct {
  Job job;
  napi_ref *held; /* every input Buffer, then the output: alive until the job completes */
  size_t held_count;
  napi_ref done;
  napi_async_work work;
} AsyncJob;

static void free_async(napi_env env, AsyncJob *a) {
  release(&a->job);
  for (size_t i = 0; i < a->held_count; i++)
    if (a->held[i] != NULL) napi_delete_reference(env, a->held[i]);
  free(a->held);
  if (a->done != NULL) napi_delete_reference(env, a->done);
  if (a->work != NULL) napi_delete_async_work(env, a->work);
  free(a);
}

static void execute(napi_env env, void *data) {
  (void)env;
  open_all(&((AsyncJob *)data)->job);
}

static void complete(napi_env env, napi_status status, void *data) {
  AsyncJob *a = data;
  napi_value done, global, argv[2];
  napi_get_reference_value(env, a->done, &done);
  napi_get_global(env, &global);
  if (status != napi_ok || a->job.failed_at == -2) {
    napi_value msg;
    napi_create_string_utf8(env, status != napi_ok ? "openSegments: the job was cancelled" : "openSegments: OpenSSL could not set up AES-256-GCM", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &argv[0]);
    napi_get_undefined(env, &argv[1]);
  } else {
    napi_get_null(env, &argv[0]);
    napi_create_int32(env, a->job.failed_at, &argv[1]);
  }
  free_async(env, a);
  napi_call_function(env, global, done, 2, argv, NULL);
}

static napi_value open_segments(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) {
    napi_throw_type_error(env, NULL, "openSegments(key, ivs, inputs, layout, output[, done])");
    return NULL;
  }
  napi_valuetype done_type = napi_undefined;
  if (argc > 5) napi_typeof(env, argv[5], &done_type);
  Job job;
  if (!prepare(env, argv, &job)) return NULL;
  if (done_type != napi_function) {
    open_all(&job);
    release(&job);
    return result_of(env, &job);
  }
  AsyncJob *a = calloc(1, sizeof *a);
  if (a == NULL) {
    release(&job);
    napi_throw_error(env, NULL, "openSegments: out of memory");
    return NULL;
  }
  a->job = job;
  a->held = calloc(job.input_count + 1, sizeof(napi_ref));
  int ok = a->held != NULL;
  if (ok) a->held_count = job.input_count + 1;
  for (uint32_t i = 0; ok && i < job.input_count; i++) {
    napi_value item;
    ok = napi_get_element(env, argv[2], i, &item) == napi_ok && napi_create_reference(env, item, 1, &a->held[i]) == napi_ok;
  }
  napi_value name;
  ok = ok && napi_create_reference(env, argv[4], 1, &a->held[job.input_count]) == napi_ok &&
       napi_create_reference(env, argv[5], 1, &a->done) == napi_ok &&
       napi_create_string_utf8(env, "bucketfront:openSegments", NAPI_AUTO_LENGTH, &name) == napi_ok &&
       napi_create_async_work(env, NULL, name, execute, complete, a, &a->work) == napi_ok && napi_queue_async_work(env, a->work) == napi_ok;
  if (!ok) {
    free_async(env, a);
    napi_throw_error(env, NULL, "openSegments: could not queue the job");
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "openSegments", NAPI_AUTO_LENGTH, open_segments, NULL, &fn);
  napi_set_named_property(env, exports, "openSegments", fn);
  return exports;
}
