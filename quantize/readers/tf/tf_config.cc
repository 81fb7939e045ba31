#include "quantize/readers/tf/tf_config.h"

#include <nlohmann/json.hpp>

#include "quantize/readers/file_util.h"
#include "quantize/readers/hf_config.h"

namespace edgebert {
namespace {

constexpr int kBertConfigTypeVocabSize = 16;  // modeling.py BertConfig
constexpr float kTfLayerNormEps = 1e-12f;     // modeling.py layer_norm

Status ParseTfActivation(const nlohmann::json& cfg, const std::string& path,
                         Checkpoint* c) {
  const nlohmann::json* act =
      cfg.contains("hidden_act") ? &cfg["hidden_act"] : nullptr;
  const std::string name =
      act == nullptr ? "gelu"
      : act->is_string()
          ? act->get<std::string>()
          : act->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (name == "gelu" || name == "gelu_new") {
    c->activation = fb::Activation::GeluTanh;
  } else if (name == "relu") {
    c->activation = fb::Activation::Relu;
  } else {
    return Unimplemented(path + ": hidden_act '" + name +
                         "' is not supported (gelu = modeling.py's tanh "
                         "approximation, gelu_new, relu)");
  }
  return Status::Ok();
}

}  // namespace

Status ParseTfBertConfig(const std::string& path, Checkpoint* c) {
  StatusOr<nlohmann::json> jor = ReadJson(path);
  if (!jor.ok()) return jor.status();
  const nlohmann::json& cfg = *jor;
  EB_RETURN_IF_ERROR(ParseBertSizes(cfg, path, kBertConfigTypeVocabSize, c));
  c->layer_norm_eps = kTfLayerNormEps;
  return ParseTfActivation(cfg, path, c);
}

}  // namespace edgebert
