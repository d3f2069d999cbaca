/*
 * AES-128-GCM for media datagrams, from the OpenSSL that Node links in and exports to addons.
 * node:crypto builds a cipher object per datagram and returns every result in a new Buffer,
 * which costs several times the cipher itself on 1 KB audio frames; here each key keeps one
 * initialised context per direction (its key schedule and GHASH table made once), each call
 * only sets the nonce, and the result is written into the datagram itself.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* OpenSSL's EVP interface as Node exports it; declared here so that building needs only
 * Node-API's headers, not OpenSSL's. These calls have kept their signatures since 1.1. */
typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_cipher_st EVP_CIPHER;
typedef struct engine_st ENGINE;
EVP_CIPHER_CTX *EVP_CIPHER_CTX_new(void);
void EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *ctx);
int EVP_CIPHER_CTX_ctrl(EVP_CIPHER_CTX *ctx, int type, int arg, void *ptr);
void OPENSSL_cleanse(void *ptr, size_t len);
const EVP_CIPHER *EVP_aes_128_gcm(void);
int EVP_EncryptInit_ex(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, ENGINE *impl,
                       const unsigned char *key, const unsigned char *iv);
int EVP_EncryptUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl,
                      const unsigned char *in, int inl);
int EVP_EncryptFinal_ex(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl);
int EVP_DecryptInit_ex(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, ENGINE *impl,
                       const unsigned char *key, const unsigned char *iv);
int EVP_DecryptUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl,
                      const unsigned char *in, int inl);
int EVP_DecryptFinal_ex(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl);
#define EVP_CTRL_GCM_GET_TAG 0x10
#define EVP_CTRL_GCM_SET_TAG 0x11

#define KEY_BYTES 16
#define NONCE_BYTES 12
#define TAG_BYTES 16

/* A key's contexts are made on first use: most keys only ever seal (a room's, a client's
 * uplink) or only open (a session's uplink at the server), and a context is about a kilobyte
 * the per-datagram path would otherwise keep pulling through the cache for nothing. */
typedef struct {
  uint8_t raw[KEY_BYTES];
  EVP_CIPHER_CTX *seal;
  EVP_CIPHER_CTX *open;
} gcm_key;

typedef struct {
  uint8_t *data;
  size_t length;
} bytes;

static void free_key(napi_env env, void *data, void *hint) {
  gcm_key *key = data;
  (void)env;
  (void)hint;
  EVP_CIPHER_CTX_free(key->seal);
  EVP_CIPHER_CTX_free(key->open);
  OPENSSL_cleanse(key->raw, KEY_BYTES);
  free(key);
}

static int get_bytes(napi_env env, napi_value value, bytes *out, const char *name) {
  napi_typedarray_type type;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &out->length, &data, &buffer, &offset) !=
          napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, name);
    return 0;
  }
  out->data = data;
  return 1;
}

static int get_key(napi_env env, napi_value value, gcm_key **key) {
  if (napi_get_value_external(env, value, (void **)key) != napi_ok) {
    napi_throw_type_error(env, NULL, "not a key made by createKey");
    return 0;
  }
  return 1;
}

/* createKey(raw: Uint8Array of 16) -> key */
static napi_value create_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bytes raw;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || !get_bytes(env, argv[0], &raw, "the key is not a Uint8Array")) return NULL;
  if (raw.length != KEY_BYTES) {
    napi_throw_range_error(env, NULL, "an AES-128-GCM key is 16 bytes");
    return NULL;
  }
  gcm_key *key = calloc(1, sizeof *key);
  if (key == NULL) {
    napi_throw_error(env, NULL, "out of memory for a key");
    return NULL;
  }
  memcpy(key->raw, raw.data, KEY_BYTES);
  if (napi_create_external(env, key, free_key, NULL, &result) != napi_ok) {
    free_key(env, key, NULL);
    return NULL;
  }
  return result;
}

/* The key's context for one direction, set up on first use; NULL (thrown) if OpenSSL fails. */
static EVP_CIPHER_CTX *context(napi_env env, gcm_key *key, int sealing) {
  EVP_CIPHER_CTX **slot = sealing ? &key->seal : &key->open;
  if (*slot != NULL) return *slot;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (ctx == NULL ||
      (sealing ? EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, key->raw, NULL)
               : EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, key->raw, NULL)) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    napi_throw_error(env, NULL, "OpenSSL could not set up AES-128-GCM");
    return NULL;
  }
  *slot = ctx;
  return ctx;
}

/* A message framed as a sealed datagram is: additional data whose last 12 bytes are the nonce,
 * then the ciphertext, then the 16-byte tag. Passing the message whole, with the length of its
 * additional data, spares the caller a view per part. */
typedef struct {
  gcm_key *key;
  bytes message;
  size_t aad;
} framed;

/* The arguments seal and open share (key, message, aadLength), read into f; argv gets all
 * `wanted` arguments. 0 (thrown) when any is missing or wrong. */
static int framed_call(napi_env env, napi_callback_info info, size_t wanted, napi_value *argv,
                       const char *usage, framed *f) {
  size_t argc = wanted;
  int64_t aad;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < wanted) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  if (!get_key(env, argv[0], &f->key) ||
      !get_bytes(env, argv[1], &f->message, "the message is not a Uint8Array"))
    return 0;
  if (f->message.length > INT32_MAX) {
    napi_throw_range_error(env, NULL, "the message is too long for one call");
    return 0;
  }
  if (napi_get_value_int64(env, argv[2], &aad) != napi_ok || aad < NONCE_BYTES ||
      (uint64_t)aad > f->message.length) {
    napi_throw_range_error(
        env, NULL, "the additional data (ending with the 12-byte nonce) does not fit the message");
    return 0;
  }
  f->aad = (size_t)aad;
  return 1;
}

/* seal(key, message, aadLength, plain): plain encrypted into message after its additional data,
 * the tag after that; the message must be exactly that long. */
static napi_value seal(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  framed f;
  bytes plain;
  int length;
  if (!framed_call(env, info, 4, argv, "expects key, message, aadLength, plain", &f) ||
      !get_bytes(env, argv[3], &plain, "the plaintext is not a Uint8Array"))
    return NULL;
  if (f.message.length - f.aad != plain.length + TAG_BYTES) {
    napi_throw_range_error(
        env, NULL, "the message is not as long as its additional data, ciphertext and tag");
    return NULL;
  }
  uint8_t *out = f.message.data + f.aad;
  EVP_CIPHER_CTX *ctx = context(env, f.key, 1);
  if (ctx == NULL) return NULL;
  if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, out - NONCE_BYTES) != 1 ||
      EVP_EncryptUpdate(ctx, NULL, &length, f.message.data, (int)f.aad) != 1 ||
      EVP_EncryptUpdate(ctx, out, &length, plain.data, (int)plain.length) != 1 ||
      EVP_EncryptFinal_ex(ctx, out + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, out + plain.length) != 1) {
    napi_throw_error(env, NULL, "OpenSSL failed to seal");
    return NULL;
  }
  return NULL;
}

/* open(key, message, aadLength) -> whether the message is authentic. Its ciphertext is
 * decrypted where it lies (garbage when it was not authentic). */
static napi_value open_sealed(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  framed f;
  int length;
  napi_value result;
  if (!framed_call(env, info, 3, argv, "expects key, message, aadLength", &f)) return NULL;
  int authentic = 0;
  if (f.message.length - f.aad >= TAG_BYTES) {
    size_t plain = f.message.length - f.aad - TAG_BYTES;
    uint8_t *text = f.message.data + f.aad;
    EVP_CIPHER_CTX *ctx = context(env, f.key, 0);
    if (ctx == NULL) return NULL;
    authentic =
        EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, text - NONCE_BYTES) == 1 &&
        EVP_DecryptUpdate(ctx, NULL, &length, f.message.data, (int)f.aad) == 1 &&
        EVP_DecryptUpdate(ctx, text, &length, text, (int)plain) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, text + plain) == 1 &&
        EVP_DecryptFinal_ex(ctx, text + length, &length) == 1;
  }
  napi_get_boolean(env, authentic, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor functions[] = {
      {"createKey", NULL, create_key, NULL, NULL, NULL, napi_default, NULL},
      {"seal", NULL, seal, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, open_sealed, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, 3, functions) != napi_ok) return NULL;
  return exports;
}
