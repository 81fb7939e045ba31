/* C API contract test (runtime/api/edgebert_c.h), compiled as C99 and linked
 * against libedgebert.so. argv[1]: the demo model (quantize/demo/resume-tiny)
 * converted to int8 by the c_api_model ctest fixture (tests/c_api.cmake).
 * Prints "c_api_test: N checks passed" or the failed checks; exit 1 if any. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgebert_c.h"

static int g_checks, g_failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    ++g_checks;                                                                \
    if (!(cond)) {                                                             \
      ++g_failures;                                                            \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

static const char kText[] = "高勇：男，中国国籍，无境外居留权，";

static void TestErrors(const char* model_path) {
  eb_model* model = (eb_model*)1;
  char* err = NULL;
  CHECK(eb_model_load("/nonexistent/x.ebm", 0, &model, &err) == EB_NOT_FOUND);
  CHECK(model == NULL);
  CHECK(err != NULL && strstr(err, "/nonexistent/x.ebm") != NULL);
  eb_string_free(err);
  CHECK(eb_model_load(NULL, 0, &model, &err) == EB_INVALID_ARGUMENT);
  CHECK(err != NULL && strstr(err, "path") != NULL);
  eb_string_free(err);
  CHECK(eb_model_load(model_path, 0, NULL, NULL) == EB_INVALID_ARGUMENT);
  /* A truncated copy: an error, not a crash. */
  FILE* in = fopen(model_path, "rb");
  FILE* out = fopen("c_api_truncated.ebm", "wb");
  char buf[4096];
  size_t n = in ? fread(buf, 1, sizeof buf, in) : 0;
  if (out) fwrite(buf, 1, n, out);
  if (in) fclose(in);
  if (out) fclose(out);
  eb_status s = eb_model_load("c_api_truncated.ebm", 0, &model, &err);
  CHECK(s != EB_OK && model == NULL && err != NULL);
  eb_string_free(err);
  remove("c_api_truncated.ebm");
  CHECK(strcmp(eb_status_name(EB_DATA_LOSS), "DATA_LOSS") == 0);
  CHECK(strcmp(eb_status_name((eb_status)99), "UNKNOWN") == 0);
  CHECK(eb_tag(NULL, "x", 1, 0, NULL, NULL) == EB_INVALID_ARGUMENT);
}

static void TestTag(const eb_model* model) {
  eb_tagger_options o;
  eb_tagger_options_init(&o);
  CHECK(o.max_text_bytes == 1u << 20 && o.threads == 0);
  eb_tagger* tagger = (eb_tagger*)1;
  char* err = NULL;
  o.max_seq_len = 2;
  CHECK(eb_tagger_create(model, &o, &tagger, &err) == EB_INVALID_ARGUMENT);
  CHECK(tagger == NULL && err && strstr(err, "max_seq_len") != NULL);
  eb_string_free(err);
  CHECK(eb_tagger_create(model, NULL, &tagger, &err) == EB_OK && err == NULL);

  eb_result* r = NULL;
  CHECK(eb_tag(tagger, kText, strlen(kText), 1, &r, &err) == EB_OK);
  size_t ne = 0, nt = 0;
  const eb_entity* e = eb_result_entities(r, &ne);
  const eb_token* t = eb_result_tokens(r, &nt);
  CHECK(ne == 2);
  if (ne == 2) {
    CHECK(strcmp(e[0].entity_group, "NAME") == 0);
    CHECK(strcmp(e[0].word, "高勇") == 0 && e[0].start == 0 && e[0].end == 2);
    CHECK(e[0].start_byte == 0 && e[0].end_byte == 6);
    CHECK(strcmp(e[1].word, "中国国籍") == 0 && e[1].start == 5);
    CHECK(e[0].score > 0.5f && e[0].score <= 1.0f);
  }
  CHECK(nt == 17); /* one piece per CJK character or punctuation mark */
  for (size_t i = 0; i < nt; ++i) {
    CHECK(t[i].num_logits == eb_model_num_labels(model));
    CHECK(strcmp(t[i].label_name, eb_model_label(model, (size_t)t[i].label)) ==
          0);
    CHECK(t[i].start + 1 == t[i].end && t[i].piece[0] != '\0');
  }
  /* The result outlives later calls; invalid UTF-8 is an error. */
  eb_result* bad = (eb_result*)1;
  CHECK(eb_tag(tagger, "ab\xff", 3, 0, &bad, &err) == EB_INVALID_ARGUMENT);
  CHECK(bad == NULL && err && strstr(err, "UTF-8") != NULL);
  eb_string_free(err);
  CHECK(eb_result_entities(r, &ne) == e && ne == 2);
  eb_result_free(r);
  CHECK(eb_tag(tagger, NULL, 0, 0, &r, NULL) == EB_OK);
  CHECK(eb_result_entities(r, &ne) == NULL && ne == 0);
  eb_result_free(r);
  CHECK(eb_tag(tagger, NULL, 3, 0, &r, NULL) == EB_INVALID_ARGUMENT);
  eb_tagger_free(tagger);
}

/* Two threads, each with its own tagger (2-thread pool) on one model, must
 * agree with a single-threaded tagger to the last logit bit (int8). */
typedef struct {
  const eb_model* model;
  uint32_t threads;
  float logits[64 * 17];
  size_t n;
  eb_status status;
} Job;

static void* RunJob(void* arg) {
  Job* j = (Job*)arg;
  eb_tagger_options o;
  eb_tagger_options_init(&o);
  o.threads = j->threads;
  eb_tagger* tagger = NULL;
  eb_result* r = NULL;
  j->status = eb_tagger_create(j->model, &o, &tagger, NULL);
  for (int rep = 0; rep < 20 && j->status == EB_OK; ++rep) {
    eb_result_free(r);
    j->status = eb_tag(tagger, kText, strlen(kText), 1, &r, NULL);
  }
  size_t nt = 0;
  const eb_token* t = eb_result_tokens(r, &nt);
  j->n = 0;
  for (size_t i = 0; i < nt && j->n + t[i].num_logits <= 64 * 17; ++i) {
    memcpy(j->logits + j->n, t[i].logits, t[i].num_logits * sizeof(float));
    j->n += t[i].num_logits;
  }
  eb_result_free(r);
  eb_tagger_free(tagger);
  return NULL;
}

static void TestConcurrency(const eb_model* model) {
  static Job jobs[3];
  pthread_t th[2];
  for (int i = 0; i < 3; ++i) {
    jobs[i].model = model;
    jobs[i].threads = i == 0 ? 1 : 2;
  }
  RunJob(&jobs[0]);
  for (int i = 0; i < 2; ++i)
    pthread_create(&th[i], NULL, RunJob, &jobs[i + 1]);
  for (int i = 0; i < 2; ++i) pthread_join(th[i], NULL);
  for (int i = 0; i < 3; ++i) CHECK(jobs[i].status == EB_OK);
  CHECK(jobs[0].n == 17 * eb_model_num_labels(model));
  for (int i = 1; i < 3; ++i) {
    CHECK(jobs[i].n == jobs[0].n && memcmp(jobs[i].logits, jobs[0].logits,
                                           jobs[0].n * sizeof(float)) == 0);
  }
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.ebm\n", argv[0]);
    return 2;
  }
  CHECK(strcmp(eb_version(), "0.1.0") == 0);
  TestErrors(argv[1]);
  eb_model* model = NULL;
  char* err = NULL;
  CHECK(eb_model_load(argv[1], 1, &model, &err) == EB_OK);
  if (model == NULL) {
    fprintf(stderr, "c_api_test: %s\n", err ? err : "?");
    return 1;
  }
  CHECK(eb_model_num_labels(model) == 17);
  CHECK(eb_model_label(model, 17) == NULL && eb_model_info_json(NULL) == NULL);
  CHECK(strstr(eb_model_info_json(model), "\"precision\":\"int8\"") != NULL);
  TestTag(model);
  TestConcurrency(model);
  eb_model_free(model);
  printf("c_api_test: %d checks, %d failed\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
