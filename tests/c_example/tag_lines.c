/* Example consumer of the installed C API: tags each stdin line with the
 * model given as argv[1] and prints one line per entity,
 *   <line>\t<entity_group>\t<word>\t<start>\t<end>\t<start_byte>\t<end_byte>\t<score
 * %.4f> or, for a line the tagger rejects (invalid UTF-8, too long),
 *   <line>\terror\tINVALID_ARGUMENT
 * Usage: tag_lines MODEL.ebm [THREADS] < lines.txt
 * Exit 0 on success; 1 with the library's message on stderr otherwise. */
#include <edgebert/edgebert_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int Fail(eb_status s, char* err) {
  fprintf(stderr, "tag_lines: %s (%s)\n", err ? err : "?", eb_status_name(s));
  eb_string_free(err);
  return 1;
}

/* A missing file must fail cleanly with EB_NOT_FOUND and a message. */
static int CheckMissingFile(void) {
  eb_model* model = NULL;
  char* err = NULL;
  eb_status s = eb_model_load("/nonexistent/model.ebm", 0, &model, &err);
  int ok = s == EB_NOT_FOUND && model == NULL && err != NULL &&
           strstr(err, "/nonexistent/model.ebm") != NULL;
  if (!ok) fprintf(stderr, "tag_lines: missing file gave status %d\n", s);
  eb_string_free(err);
  return ok;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL.ebm [THREADS] < lines.txt\n", argv[0]);
    return 2;
  }
  if (!CheckMissingFile()) return 1;
  eb_model* model = NULL;
  eb_tagger* tagger = NULL;
  char* err = NULL;
  eb_status s = eb_model_load(argv[1], 1, &model, &err);
  if (s != EB_OK) return Fail(s, err);
  eb_tagger_options options;
  eb_tagger_options_init(&options);
  options.threads = argc > 2 ? (uint32_t)atoi(argv[2]) : 1;
  s = eb_tagger_create(model, &options, &tagger, &err);
  if (s != EB_OK) return Fail(s, err);
  char line[65536];
  int line_no = 0;
  while (fgets(line, sizeof line, stdin) != NULL) {
    size_t len = strcspn(line, "\r\n");
    eb_result* result = NULL;
    s = eb_tag(tagger, line, len, 0, &result, &err);
    if (s == EB_INVALID_ARGUMENT) { /* e.g. invalid UTF-8: report, go on */
      printf("%d\terror\t%s\n", line_no++, eb_status_name(s));
      eb_string_free(err);
      continue;
    }
    if (s != EB_OK) return Fail(s, err);
    size_t n = 0;
    const eb_entity* e = eb_result_entities(result, &n);
    for (size_t i = 0; i < n; ++i) {
      printf("%d\t%s\t%s\t%u\t%u\t%u\t%u\t%.4f\n", line_no, e[i].entity_group,
             e[i].word, e[i].start, e[i].end, e[i].start_byte, e[i].end_byte,
             e[i].score);
    }
    eb_result_free(result);
    ++line_no;
  }
  eb_tagger_free(tagger);
  eb_model_free(model);
  return 0;
}
