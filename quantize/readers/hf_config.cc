#include "quantize/readers/hf_config.h"

#include <climits>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "quantize/readers/file_util.h"
#include "quantize/validate.h"
#include "runtime/head/tag_scheme.h"

namespace edgebert {
namespace {

using nlohmann::json;

// config.json integer field `key`, required and > 0.
Status PositiveIntField(const json& cfg, const std::string& path,
                        const char* key, int* out) {
  if (!cfg.contains(key)) {
    return InvalidArgument(path + ": missing required field '" + key + "'");
  }
  const json& v = cfg.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() <= 0 ||
      v.get<int64_t>() > INT_MAX) {
    return InvalidArgument(
        path + ": '" + key + "' must be a positive integer, got " +
        v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  *out = static_cast<int>(v.get<int64_t>());
  return Status::Ok();
}

// Accepts BertForTokenClassification / model_type "bert" with absolute
// position embeddings only.
Status CheckArchitecture(const json& cfg, const std::string& path) {
  bool token_classification = false;
  if (cfg.contains("architectures") && cfg["architectures"].is_array() &&
      !cfg["architectures"].empty()) {
    for (const json& a : cfg["architectures"]) {
      const std::string name =
          a.is_string() ? a.get<std::string>()
                        : a.dump(-1, ' ', false,
                                 nlohmann::json::error_handler_t::replace);
      if (name != "BertForTokenClassification") {
        return Unimplemented(path + ": architecture '" + name +
                             "' is not supported (only "
                             "BertForTokenClassification)");
      }
      token_classification = true;
    }
  }
  if (cfg.contains("model_type")) {
    const std::string mt =
        cfg["model_type"].is_string()
            ? cfg["model_type"].get<std::string>()
            : cfg["model_type"].dump(-1, ' ', false,
                                     nlohmann::json::error_handler_t::replace);
    if (mt != "bert") {
      return Unimplemented(path + ": model_type '" + mt +
                           "' is not supported (only 'bert')");
    }
  } else if (!token_classification) {
    return InvalidArgument(path +
                           ": neither 'architectures' nor 'model_type' says "
                           "this is a BERT token classifier");
  }
  if (cfg.contains("position_embedding_type") &&
      cfg["position_embedding_type"] != "absolute") {
    return Unimplemented(
        path + ": position_embedding_type " +
        cfg["position_embedding_type"].dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace) +
        " is not supported (only \"absolute\")");
  }
  return Status::Ok();
}

// hidden_act -> c->activation.
Status ParseActivation(const json& cfg, const std::string& path,
                       Checkpoint* c) {
  const std::string act =
      cfg.contains("hidden_act") && cfg["hidden_act"].is_string()
          ? cfg["hidden_act"].get<std::string>()
          : std::string("gelu");
  if (act == "gelu") {
    c->activation = fb::Activation::GeluErf;
  } else if (act == "gelu_new" || act == "gelu_pytorch_tanh") {
    c->activation = fb::Activation::GeluTanh;
  } else if (act == "relu") {
    c->activation = fb::Activation::Relu;
  } else {
    return Unimplemented(path + ": hidden_act '" + act +
                         "' is not supported (gelu, gelu_new, "
                         "gelu_pytorch_tanh, relu)");
  }
  return Status::Ok();
}

// id2label -> c->labels, c->tag_scheme (DetectTagScheme,
// runtime/head/tag_scheme.h).
Status ParseLabels(const json& cfg, const std::string& path, Checkpoint* c) {
  if (!cfg.contains("id2label") || !cfg["id2label"].is_object() ||
      cfg["id2label"].empty()) {
    return InvalidArgument(path + ": missing or empty 'id2label' object");
  }
  const json& id2label = cfg["id2label"];
  c->labels.assign(id2label.size(), std::string());
  std::vector<bool> seen(id2label.size(), false);
  for (auto it = id2label.begin(); it != id2label.end(); ++it) {
    EB_RETURN_IF_ERROR(CheckLabelKey(path, it.key()));
    char* end = nullptr;
    const long id = std::strtol(it.key().c_str(), &end, 10);
    if (it.key().empty() || *end != '\0' || id < 0 ||
        id >= static_cast<long>(id2label.size()) || seen[id] ||
        !it.value().is_string()) {
      return InvalidArgument(
          path + ": id2label entry \"" + it.key() + "\": " +
          it.value().dump(-1, ' ', false,
                          nlohmann::json::error_handler_t::replace) +
          " — ids must be 0..N-1, each once, names strings");
    }
    seen[id] = true;
    c->labels[id] = it.value().get<std::string>();
  }
  // Same values as fb::TagScheme (runtime/head/tag_scheme.h).
  c->tag_scheme = static_cast<fb::TagScheme>(DetectTagScheme(c->labels));
  return Status::Ok();
}

}  // namespace

Status ParseBertSizes(const json& cfg, const std::string& path,
                      int default_type_vocab_size, Checkpoint* c) {
  EB_RETURN_IF_ERROR(PositiveIntField(cfg, path, "vocab_size", &c->vocab_size));
  EB_RETURN_IF_ERROR(
      PositiveIntField(cfg, path, "hidden_size", &c->hidden_size));
  EB_RETURN_IF_ERROR(
      PositiveIntField(cfg, path, "num_hidden_layers", &c->num_layers));
  EB_RETURN_IF_ERROR(
      PositiveIntField(cfg, path, "num_attention_heads", &c->num_heads));
  EB_RETURN_IF_ERROR(
      PositiveIntField(cfg, path, "intermediate_size", &c->intermediate_size));
  EB_RETURN_IF_ERROR(PositiveIntField(cfg, path, "max_position_embeddings",
                                      &c->max_position_embeddings));
  c->type_vocab_size = default_type_vocab_size;
  if (default_type_vocab_size == 0 || cfg.contains("type_vocab_size")) {
    EB_RETURN_IF_ERROR(
        PositiveIntField(cfg, path, "type_vocab_size", &c->type_vocab_size));
  }
  if (c->hidden_size % c->num_heads != 0) {
    return FailedPrecondition(path + ": hidden_size " +
                              std::to_string(c->hidden_size) +
                              " is not divisible by num_attention_heads " +
                              std::to_string(c->num_heads));
  }
  return Status::Ok();
}

Status ParseHfConfig(const std::string& path, Checkpoint* c) {
  StatusOr<json> jor = ReadJson(path);
  if (!jor.ok()) return jor.status();
  const json& cfg = *jor;
  EB_RETURN_IF_ERROR(CheckArchitecture(cfg, path));
  EB_RETURN_IF_ERROR(ParseBertSizes(cfg, path, 0, c));
  if (cfg.contains("layer_norm_eps")) {
    const json& e = cfg["layer_norm_eps"];
    if (!e.is_number() || !(e.get<double>() > 0)) {
      return InvalidArgument(
          path +
          ": layer_norm_eps must be a positive "
          "number, got " +
          e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    c->layer_norm_eps = static_cast<float>(e.get<double>());
  }
  EB_RETURN_IF_ERROR(ParseActivation(cfg, path, c));
  return ParseLabels(cfg, path, c);
}

}  // namespace edgebert
