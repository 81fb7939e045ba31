#include "quantize/readers/hf_tokenizer.h"

#include <map>

#include <nlohmann/json.hpp>

#include "quantize/readers/file_util.h"

namespace edgebert {
namespace {

using nlohmann::json;

// A special token value: "tok" or {"content": "tok", ...} (AddedToken).
bool TokenString(const json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get<std::string>();
    return true;
  }
  if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    *out = v["content"].get<std::string>();
    return true;
  }
  return false;
}

}  // namespace

Status ReadHfVocab(const std::string& path, std::vector<std::string>* vocab) {
  std::string text;
  EB_RETURN_IF_ERROR(ReadText(path, &text));
  vocab->clear();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    size_t end = nl;
    if (end > pos && text[end - 1] == '\r') --end;
    vocab->push_back(text.substr(pos, end - pos));
    pos = nl + 1;
  }
  return Status::Ok();
}

Status ParseHfTokenizer(const std::string& dir, Checkpoint* c) {
  std::map<std::string, std::string> special = {{"unk_token", "[UNK]"},
                                                {"cls_token", "[CLS]"},
                                                {"sep_token", "[SEP]"},
                                                {"pad_token", "[PAD]"},
                                                {"mask_token", "[MASK]"}};
  const std::string tc_path = dir + "/tokenizer_config.json";
  if (FileExists(tc_path)) {
    StatusOr<json> jor = ReadJson(tc_path);
    if (!jor.ok()) return jor.status();
    const json& tc = *jor;
    if (tc.contains("tokenizer_class") && tc["tokenizer_class"].is_string()) {
      const std::string cls = tc["tokenizer_class"].get<std::string>();
      if (cls != "BertTokenizer" && cls != "BertTokenizerFast") {
        return Unimplemented(tc_path + ": tokenizer_class '" + cls +
                             "' is not supported (only BertTokenizer)");
      }
    }
    auto flag = [&](const char* key, bool* out) -> Status {
      if (!tc.contains(key) || tc[key].is_null()) return Status::Ok();
      if (!tc[key].is_boolean()) {
        return InvalidArgument(
            tc_path + ": '" + key + "' must be true, false or null, got " +
            tc[key].dump(-1, ' ', false,
                         nlohmann::json::error_handler_t::replace));
      }
      *out = tc[key].get<bool>();
      return Status::Ok();
    };
    EB_RETURN_IF_ERROR(flag("do_lower_case", &c->do_lower_case));
    EB_RETURN_IF_ERROR(
        flag("tokenize_chinese_chars", &c->tokenize_chinese_chars));
    // HF: strip_accents None -> follows lowercase.
    c->strip_accents = c->do_lower_case;
    EB_RETURN_IF_ERROR(flag("strip_accents", &c->strip_accents));
    for (auto& kv : special) {
      if (tc.contains(kv.first)) TokenString(tc[kv.first], &kv.second);
    }
  }
  const std::string sm_path = dir + "/special_tokens_map.json";
  if (FileExists(sm_path)) {
    StatusOr<json> jor = ReadJson(sm_path);
    if (!jor.ok()) return jor.status();
    for (auto& kv : special) {
      if (jor->contains(kv.first)) TokenString((*jor)[kv.first], &kv.second);
    }
  }
  // HF's vocab dict keeps the last id of a duplicated piece.
  std::map<std::string, int> ids;
  for (size_t i = 0; i < c->vocab.size(); ++i) {
    ids[c->vocab[i]] = static_cast<int>(i);
  }
  auto lookup = [&](const char* key, bool required, int* out) -> Status {
    const std::string& tok = special[key];
    auto it = ids.find(tok);
    if (it != ids.end()) {
      *out = it->second;
    } else if (required) {
      return FailedPrecondition(dir + "/vocab.txt: " + key + " '" + tok +
                                "' is not in the vocabulary");
    } else {
      *out = -1;
    }
    return Status::Ok();
  };
  EB_RETURN_IF_ERROR(lookup("unk_token", true, &c->unk_id));
  EB_RETURN_IF_ERROR(lookup("cls_token", true, &c->cls_id));
  EB_RETURN_IF_ERROR(lookup("sep_token", true, &c->sep_id));
  EB_RETURN_IF_ERROR(lookup("pad_token", false, &c->pad_id));
  // No [PAD] in the vocabulary: id 0, what google-research/bert's feature
  // code pads input_ids with (the runtime needs a valid pad id).
  if (c->pad_id < 0) c->pad_id = kFallbackPadId;
  EB_RETURN_IF_ERROR(lookup("mask_token", false, &c->mask_id));
  return Status::Ok();
}

}  // namespace edgebert
