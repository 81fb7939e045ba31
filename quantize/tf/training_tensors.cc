#include "quantize/tf/training_tensors.h"

namespace edgebert::tf {

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// `name` is `last` or ends in "/" + `last`.
bool LastComponentIs(std::string_view name, std::string_view last) {
  return name == last || (EndsWith(name, last) && name.size() > last.size() &&
                          name[name.size() - last.size() - 1] == '/');
}

}  // namespace

const char* TrainingOnlyReason(std::string_view name) {
  static constexpr std::string_view kSlots[] = {
      "adam_m",  "adam_v",    "Adam", "Adam_1", "Momentum",    "Adagrad",
      "RMSProp", "RMSProp_1", "Ftrl", "Ftrl_1", "beta1_power", "beta2_power"};
  for (std::string_view s : kSlots) {
    if (LastComponentIs(name, s)) return "optimizer slot";
  }
  if (LastComponentIs(name, "ExponentialMovingAverage")) {
    return "moving average";
  }
  if (name == "global_step") return "training step";
  if (name.substr(0, 4) == "cls/") return "pretraining head";
  if (name.substr(0, 12) == "bert/pooler/") return "pooler";
  if (LastComponentIs(name, "loss_scale") ||
      LastComponentIs(name, "good_steps")) {
    return "loss scaling";
  }
  return nullptr;
}

}  // namespace edgebert::tf
