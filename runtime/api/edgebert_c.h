/* edgebert C API (C99): load an .ebm model, tag UTF-8 text, read entities.
 *
 *   eb_model* model = NULL;
 *   eb_tagger* tagger = NULL;
 *   eb_result* result = NULL;
 *   char* err = NULL;
 *   if (eb_model_load("model.ebm", 0, &model, &err) != EB_OK) { ... }
 *   eb_tagger_create(model, NULL, &tagger, &err);       // NULL: defaults
 *   eb_tag(tagger, text, strlen(text), 0, &result, &err);
 *   size_t n;
 *   const eb_entity* e = eb_result_entities(result, &n);
 *   ...
 *   eb_result_free(result); eb_tagger_free(tagger); eb_model_free(model);
 *
 * Errors: every fallible call returns an eb_status. When `error` is not NULL
 * it receives NULL on success, else a malloc'd "<CODE>: <message>" string
 * naming the offending value and the rule it broke; release it with
 * eb_string_free(). No C++ exception crosses this API; a NULL handle or out
 * pointer gives EB_INVALID_ARGUMENT.
 *
 * Concurrency (the C++ API's contract, runtime/api/edgebert.h):
 *  - an eb_model is immutable: share it between any number of threads and
 *    taggers; it must outlive its taggers.
 *  - an eb_tagger is used by one thread at a time (it owns its working
 *    memory and its thread pool); create one per concurrently tagging thread.
 *  - an eb_result owns its memory and is independent of the tagger: it stays
 *    valid after later eb_tag calls and may be freed from any thread.
 */
#ifndef EDGEBERT_RUNTIME_API_EDGEBERT_C_H_
#define EDGEBERT_RUNTIME_API_EDGEBERT_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define EB_API __attribute__((visibility("default")))
#else
#define EB_API
#endif

/* Same codes, same order as edgebert::StatusCode. */
typedef enum eb_status {
  EB_OK = 0,
  EB_INVALID_ARGUMENT = 1,    /* bad caller input (option, text, NULL). */
  EB_NOT_FOUND = 2,           /* missing file. */
  EB_DATA_LOSS = 3,           /* corrupt / truncated model file. */
  EB_FAILED_PRECONDITION = 4, /* model inconsistent with its own config. */
  EB_UNIMPLEMENTED = 5,       /* valid but unsupported. */
  EB_RESOURCE_EXHAUSTED = 6,  /* out of memory. */
  EB_INTERNAL = 7             /* a backend or the OS failed. */
} eb_status;

typedef struct eb_model eb_model;
typedef struct eb_tagger eb_tagger;
typedef struct eb_result eb_result;

typedef struct eb_tagger_options {
  /* Threads of the tagger's own pool for one text (GEMMs, attention heads);
   * 0 or 1 = single-threaded. */
  uint32_t threads;
  /* Longest window in tokens incl. [CLS]/[SEP]; 0 = the model's max_seq_len. */
  uint32_t max_seq_len;
  /* Tokens between window starts; 0 = half a window. */
  uint32_t stride;
  /* Longest accepted text in bytes (longer -> EB_INVALID_ARGUMENT). */
  size_t max_text_bytes;
} eb_tagger_options;

/* One entity, as the CLI's JSON and the Hugging Face NER pipeline. Strings
 * are NUL-terminated UTF-8 owned by the result. */
typedef struct eb_entity {
  const char* entity_group;      /* label type, e.g. "PER". */
  const char* word;              /* exact substring of the input. */
  uint32_t start, end;           /* code points, end exclusive. */
  uint32_t start_byte, end_byte; /* bytes, end exclusive. */
  float score; /* mean probability of its label over its tokens. */
} eb_entity;

/* One word piece (only when eb_tag was called with want_tokens). */
typedef struct eb_token {
  int32_t id;
  const char* piece;   /* vocabulary entry, e.g. "##ing". */
  uint32_t start, end; /* code points, end exclusive. */
  uint32_t start_byte, end_byte;
  uint32_t word;        /* index of the pre-tokenized word. */
  int32_t continuation; /* 1 for a "##" piece. */
  int32_t label;        /* label id; eb_model_label() names it. */
  const char* label_name;
  const float* logits; /* num_logits = eb_model_num_labels() values. */
  size_t num_logits;
} eb_token;

/* "0.1.0". */
EB_API const char* eb_version(void);
/* "INVALID_ARGUMENT", ...; "UNKNOWN" for a value outside eb_status. */
EB_API const char* eb_status_name(eb_status status);
/* Frees a message returned through an `error` out-parameter (NULL: no-op). */
EB_API void eb_string_free(char* s);

/* Maps and validates `path`; with verify_checksum != 0 also hashes all tensor
 * data. On failure *model is NULL. */
EB_API eb_status eb_model_load(const char* path, int verify_checksum,
                               eb_model** model, char** error);
EB_API void eb_model_free(eb_model* model);
/* JSON object: precision, config, labels, head, tag_scheme. Owned by model. */
EB_API const char* eb_model_info_json(const eb_model* model);
EB_API size_t eb_model_num_labels(const eb_model* model);
/* Label name of id i; NULL if i is out of range. Owned by model. */
EB_API const char* eb_model_label(const eb_model* model, size_t i);

/* Defaults: all zero except max_text_bytes = 1 MiB. */
EB_API void eb_tagger_options_init(eb_tagger_options* options);
/* options NULL = defaults. On failure *tagger is NULL. */
EB_API eb_status eb_tagger_create(const eb_model* model,
                                  const eb_tagger_options* options,
                                  eb_tagger** tagger, char** error);
EB_API void eb_tagger_free(eb_tagger* tagger);

/* Tags `len` bytes of UTF-8 at `text` (need not be NUL-terminated; NULL only
 * with len 0). EB_INVALID_ARGUMENT for invalid UTF-8 or text longer than
 * max_text_bytes. want_tokens != 0 also fills the per-token records. On
 * failure *result is NULL. */
EB_API eb_status eb_tag(eb_tagger* tagger, const char* text, size_t len,
                        int want_tokens, eb_result** result, char** error);
EB_API void eb_result_free(eb_result* result);
/* Arrays owned by the result; *count receives their length. */
EB_API const eb_entity* eb_result_entities(const eb_result* result,
                                           size_t* count);
EB_API const eb_token* eb_result_tokens(const eb_result* result, size_t* count);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* EDGEBERT_RUNTIME_API_EDGEBERT_C_H_ */
