// C API over the C++ API (runtime/api/edgebert.h): handles own the C++
// objects; no exception escapes (each entry point catches and reports).
#include "runtime/api/edgebert_c.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "runtime/api/edgebert.h"
#include "runtime/api/model_info.h"
#include "runtime/api/thread_pool.h"

namespace eb = edgebert;

struct eb_model {
  std::unique_ptr<eb::Model> model;
  std::string info_json;
};

struct eb_tagger {
  eb::OwnedPool pool;  // destroyed after the tagger that uses it.
  std::unique_ptr<eb::Tagger> tagger;
  const eb_model* model = nullptr;
};

struct eb_result {
  eb::TagResult result;
  std::vector<eb_entity> entities;  // point into result.
  std::vector<eb_token> tokens;
};

namespace {

static_assert(static_cast<int>(eb::StatusCode::kInternal) == EB_INTERNAL,
              "eb_status must mirror edgebert::StatusCode");

char* CopyString(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p != nullptr) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

eb_status Report(const eb::Status& s, char** error) {
  if (error != nullptr) *error = s.ok() ? nullptr : CopyString(s.ToString());
  return static_cast<eb_status>(s.code());
}

// Runs body() (which returns an eb::Status) and converts any exception
// (allocation failure in a std container, mostly) into a status.
template <typename Body>
eb_status Guarded(char** error, Body body) {
  try {
    return Report(body(), error);
  } catch (const std::bad_alloc&) {
    return Report(eb::ResourceExhausted("out of memory"), error);
  } catch (const std::exception& e) {
    return Report(eb::Internal(e.what()), error);
  } catch (...) {
    return Report(eb::Internal("unknown C++ exception"), error);
  }
}

eb::Status NullArgument(const char* function, const char* name) {
  return eb::InvalidArgument(std::string(function) + ": " + name +
                             " must not be NULL");
}

void FillViews(const eb_model& model, eb_result* out) {
  const std::vector<std::string>& labels = model.model->config().labels;
  out->entities.reserve(out->result.entities.size());
  for (const eb::Entity& e : out->result.entities) {
    out->entities.push_back(eb_entity{e.entity_group.c_str(), e.word.c_str(),
                                      e.start, e.end, e.start_byte, e.end_byte,
                                      e.score});
  }
  out->tokens.reserve(out->result.tokens.size());
  for (const eb::TokenResult& t : out->result.tokens) {
    out->tokens.push_back(eb_token{t.id, t.piece.c_str(), t.start, t.end,
                                   t.start_byte, t.end_byte, t.word,
                                   t.continuation ? 1 : 0, t.label,
                                   labels[static_cast<size_t>(t.label)].c_str(),
                                   t.logits.data(), t.logits.size()});
  }
}

}  // namespace

extern "C" {

const char* eb_version(void) { return EDGEBERT_VERSION; }

const char* eb_status_name(eb_status status) {
  if (status < EB_OK || status > EB_INTERNAL) return "UNKNOWN";
  return eb::StatusCodeName(static_cast<eb::StatusCode>(status));
}

void eb_string_free(char* s) { std::free(s); }

eb_status eb_model_load(const char* path, int verify_checksum, eb_model** model,
                        char** error) {
  if (model != nullptr) *model = nullptr;
  return Guarded(error, [&]() -> eb::Status {
    if (path == nullptr) return NullArgument("eb_model_load", "path");
    if (model == nullptr) return NullArgument("eb_model_load", "model");
    eb::StatusOr<std::unique_ptr<eb::Model>> m =
        eb::Model::Load(path, verify_checksum != 0);
    if (!m.ok()) return m.status();
    auto h = std::make_unique<eb_model>();
    h->model = std::move(m.value());
    h->info_json = eb::ModelInfo(*h->model).dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    *model = h.release();
    return eb::Status::Ok();
  });
}

void eb_model_free(eb_model* model) { delete model; }

const char* eb_model_info_json(const eb_model* model) {
  return model == nullptr ? nullptr : model->info_json.c_str();
}

size_t eb_model_num_labels(const eb_model* model) {
  return model == nullptr ? 0 : model->model->config().labels.size();
}

const char* eb_model_label(const eb_model* model, size_t i) {
  if (model == nullptr || i >= model->model->config().labels.size()) {
    return nullptr;
  }
  return model->model->config().labels[i].c_str();
}

void eb_tagger_options_init(eb_tagger_options* options) {
  if (options == nullptr) return;
  *options = eb_tagger_options{};
  options->max_text_bytes = eb::TaggerOptions{}.max_text_bytes;
}

eb_status eb_tagger_create(const eb_model* model,
                           const eb_tagger_options* options, eb_tagger** tagger,
                           char** error) {
  if (tagger != nullptr) *tagger = nullptr;
  return Guarded(error, [&]() -> eb::Status {
    if (model == nullptr) return NullArgument("eb_tagger_create", "model");
    if (tagger == nullptr) return NullArgument("eb_tagger_create", "tagger");
    eb_tagger_options o;
    eb_tagger_options_init(&o);
    if (options != nullptr) o = *options;
    eb::TaggerOptions to;
    to.max_seq_len = o.max_seq_len;
    to.stride = o.stride;
    to.max_text_bytes = o.max_text_bytes;
    auto h = std::make_unique<eb_tagger>();
    h->pool = eb::MakePool(o.threads);
    eb::StatusOr<std::unique_ptr<eb::Tagger>> t =
        eb::Tagger::Create(*model->model, to, h->pool.get());
    if (!t.ok()) return t.status();
    h->tagger = std::move(t.value());
    h->model = model;
    *tagger = h.release();
    return eb::Status::Ok();
  });
}

void eb_tagger_free(eb_tagger* tagger) { delete tagger; }

eb_status eb_tag(eb_tagger* tagger, const char* text, size_t len,
                 int want_tokens, eb_result** result, char** error) {
  if (result != nullptr) *result = nullptr;
  return Guarded(error, [&]() -> eb::Status {
    if (tagger == nullptr) return NullArgument("eb_tag", "tagger");
    if (result == nullptr) return NullArgument("eb_tag", "result");
    if (text == nullptr && len != 0) {
      return eb::InvalidArgument("eb_tag: text is NULL but len is " +
                                 std::to_string(len));
    }
    auto r = std::make_unique<eb_result>();
    EB_RETURN_IF_ERROR(
        tagger->tagger->Tag(std::string_view(text == nullptr ? "" : text, len),
                            &r->result, want_tokens != 0));
    FillViews(*tagger->model, r.get());
    *result = r.release();
    return eb::Status::Ok();
  });
}

void eb_result_free(eb_result* result) { delete result; }

const eb_entity* eb_result_entities(const eb_result* result, size_t* count) {
  const size_t n = result == nullptr ? 0 : result->entities.size();
  if (count != nullptr) *count = n;
  return n == 0 ? nullptr : result->entities.data();
}

const eb_token* eb_result_tokens(const eb_result* result, size_t* count) {
  const size_t n = result == nullptr ? 0 : result->tokens.size();
  if (count != nullptr) *count = n;
  return n == 0 ? nullptr : result->tokens.data();
}

}  // extern "C"
