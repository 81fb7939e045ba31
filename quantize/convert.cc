#include "quantize/convert.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "quantize/int8.h"
#include "quantize/validate.h"
#include "runtime/head/tag_scheme.h"
#include "runtime/model/checksum.h"
#include "runtime/model/file_integrity.h"
#include "runtime/model/safetensors.h"
#include "runtime/model/tensor_names.h"

#ifndef EDGEBERT_VERSION
#define EDGEBERT_VERSION "0"
#endif

namespace edgebert {

namespace {

using nlohmann::json;

constexpr uint32_t kFormatVersion = 2;  // runtime/model/model_file.h
constexpr uint64_t kAlign = 64;

uint64_t AlignUp(uint64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Status ReadText(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return NotFound(path + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Internal(path + ": read error");
  *out = ss.str();
  return Status::Ok();
}

StatusOr<json> ReadJson(const std::string& path) {
  std::string text;
  EB_RETURN_IF_ERROR(ReadText(path, &text));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLoss(path + ": not a valid JSON object");
  }
  return j;
}

// config.json integer field `key`, required and > 0.
Status PositiveInt(const json& cfg, const std::string& path, const char* key,
                   int* out) {
  if (!cfg.contains(key)) {
    return InvalidArgument(path + ": missing required field '" + key + "'");
  }
  const json& v = cfg.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() <= 0 ||
      v.get<int64_t>() > INT_MAX) {
    return InvalidArgument(path + ": '" + key +
                           "' must be a positive integer, got " + v.dump());
  }
  *out = static_cast<int>(v.get<int64_t>());
  return Status::Ok();
}

Status ParseConfig(const std::string& path, HfCheckpoint* c) {
  StatusOr<json> jor = ReadJson(path);
  if (!jor.ok()) return jor.status();
  const json& cfg = *jor;
  bool token_classification = false;
  if (cfg.contains("architectures") && cfg["architectures"].is_array() &&
      !cfg["architectures"].empty()) {
    for (const json& a : cfg["architectures"]) {
      const std::string name = a.is_string() ? a.get<std::string>() : a.dump();
      if (name != "BertForTokenClassification") {
        return Unimplemented(path + ": architecture '" + name +
                             "' is not supported (only "
                             "BertForTokenClassification)");
      }
      token_classification = true;
    }
  }
  if (cfg.contains("model_type")) {
    const std::string mt = cfg["model_type"].is_string()
                               ? cfg["model_type"].get<std::string>()
                               : cfg["model_type"].dump();
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
    return Unimplemented(path + ": position_embedding_type " +
                         cfg["position_embedding_type"].dump() +
                         " is not supported (only \"absolute\")");
  }
  EB_RETURN_IF_ERROR(PositiveInt(cfg, path, "vocab_size", &c->vocab_size));
  EB_RETURN_IF_ERROR(PositiveInt(cfg, path, "hidden_size", &c->hidden_size));
  EB_RETURN_IF_ERROR(
      PositiveInt(cfg, path, "num_hidden_layers", &c->num_layers));
  EB_RETURN_IF_ERROR(
      PositiveInt(cfg, path, "num_attention_heads", &c->num_heads));
  EB_RETURN_IF_ERROR(
      PositiveInt(cfg, path, "intermediate_size", &c->intermediate_size));
  EB_RETURN_IF_ERROR(PositiveInt(cfg, path, "max_position_embeddings",
                                 &c->max_position_embeddings));
  EB_RETURN_IF_ERROR(
      PositiveInt(cfg, path, "type_vocab_size", &c->type_vocab_size));
  if (c->hidden_size % c->num_heads != 0) {
    return FailedPrecondition(path + ": hidden_size " +
                              std::to_string(c->hidden_size) +
                              " is not divisible by num_attention_heads " +
                              std::to_string(c->num_heads));
  }
  if (cfg.contains("layer_norm_eps")) {
    const json& e = cfg["layer_norm_eps"];
    if (!e.is_number() || !(e.get<double>() > 0)) {
      return InvalidArgument(path +
                             ": layer_norm_eps must be a positive "
                             "number, got " +
                             e.dump());
    }
    c->layer_norm_eps = static_cast<float>(e.get<double>());
  }
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
      return InvalidArgument(path + ": id2label entry \"" + it.key() +
                             "\": " + it.value().dump() +
                             " — ids must be 0..N-1, each once, names strings");
    }
    seen[id] = true;
    c->labels[id] = it.value().get<std::string>();
  }
  // Same values as fb::TagScheme (runtime/head/tag_scheme.h).
  c->tag_scheme = static_cast<fb::TagScheme>(DetectTagScheme(c->labels));
  return Status::Ok();
}

// Reads vocab.txt exactly like HF load_vocab: one token per line, the line
// terminator ("\n", "\r\n") removed, nothing else stripped.
Status ReadVocab(const std::string& path, std::vector<std::string>* vocab) {
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

Status ParseTokenizer(const std::string& dir, HfCheckpoint* c) {
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
        return InvalidArgument(tc_path + ": '" + key +
                               "' must be true, false or null, got " +
                               tc[key].dump());
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
  EB_RETURN_IF_ERROR(lookup("mask_token", false, &c->mask_id));
  return Status::Ok();
}

// Resolves HF tensor names: "bert." prefix optional, LayerNorm weight/bias
// or gamma/beta.
class TensorSource {
 public:
  explicit TensorSource(const SafetensorsFile* file) : file_(file) {}

  // Loads `hf_name` (without "bert." prefix; classifier names are used
  // as-is), checks its shape and converts it to f32.
  Status Get(const std::string& hf_name, const std::vector<int64_t>& shape,
             F32Tensor* out) {
    std::vector<std::string> candidates;
    for (const std::string& base : Aliases(hf_name)) {
      if (base.rfind("classifier.", 0) != 0)
        candidates.push_back("bert." + base);
      candidates.push_back(base);
    }
    const StTensor* t = nullptr;
    for (const std::string& n : candidates) {
      if ((t = file_->Find(n)) != nullptr) break;
    }
    if (t == nullptr) {
      return NotFound(file_->path() + ": missing tensor '" + candidates[0] +
                      "'");
    }
    if (t->shape != shape) {
      return FailedPrecondition(file_->path() + ": tensor '" + t->name +
                                "' has shape " + ShapeString(t->shape) +
                                ", expected " + ShapeString(shape));
    }
    EB_RETURN_IF_ERROR(ToF32(*t, &out->data));
    out->shape = shape;
    dtypes_.insert(StDTypeName(t->dtype));
    return Status::Ok();
  }

  std::string DTypes() const {
    std::string s;
    for (const std::string& d : dtypes_) s += (s.empty() ? "" : "+") + d;
    return s;
  }

 private:
  static std::vector<std::string> Aliases(const std::string& name) {
    std::vector<std::string> out = {name};
    const std::string w = "LayerNorm.weight", b = "LayerNorm.bias";
    auto ends = [&](const std::string& suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) ==
                 0;
    };
    if (ends(w)) out.push_back(name.substr(0, name.size() - 6) + "gamma");
    if (ends(b)) out.push_back(name.substr(0, name.size() - 4) + "beta");
    return out;
  }

  const SafetensorsFile* file_;
  std::set<std::string> dtypes_;
};

Status LoadWeights(const SafetensorsFile& file, HfCheckpoint* c) {
  TensorSource src(&file);
  const int64_t h = c->hidden_size, in = c->intermediate_size;
  auto put = [&](const std::string& canonical, const std::string& hf,
                 std::vector<int64_t> shape) -> Status {
    F32Tensor t;
    EB_RETURN_IF_ERROR(src.Get(hf, shape, &t));
    c->weights[canonical] = std::move(t);
    return Status::Ok();
  };
  namespace n = names;
  EB_RETURN_IF_ERROR(put(n::kWordEmbeddings,
                         "embeddings.word_embeddings.weight",
                         {c->vocab_size, h}));
  EB_RETURN_IF_ERROR(put(n::kPositionEmbeddings,
                         "embeddings.position_embeddings.weight",
                         {c->max_position_embeddings, h}));
  EB_RETURN_IF_ERROR(put(n::kTokenTypeEmbeddings,
                         "embeddings.token_type_embeddings.weight",
                         {c->type_vocab_size, h}));
  EB_RETURN_IF_ERROR(
      put(n::kEmbeddingLnGamma, "embeddings.LayerNorm.weight", {h}));
  EB_RETURN_IF_ERROR(
      put(n::kEmbeddingLnBeta, "embeddings.LayerNorm.bias", {h}));
  for (int i = 0; i < c->num_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    // QKV fusion: rows [0,H) query, [H,2H) key, [2H,3H) value.
    F32Tensor qkv_w{{3 * h, h}, {}}, qkv_b{{3 * h}, {}};
    for (const char* part : {"query", "key", "value"}) {
      F32Tensor w, b;
      EB_RETURN_IF_ERROR(
          src.Get(p + "attention.self." + part + ".weight", {h, h}, &w));
      EB_RETURN_IF_ERROR(
          src.Get(p + "attention.self." + part + ".bias", {h}, &b));
      qkv_w.data.insert(qkv_w.data.end(), w.data.begin(), w.data.end());
      qkv_b.data.insert(qkv_b.data.end(), b.data.begin(), b.data.end());
    }
    c->weights[n::Layer(i, n::kQkvWeight)] = std::move(qkv_w);
    c->weights[n::Layer(i, n::kQkvBias)] = std::move(qkv_b);
    EB_RETURN_IF_ERROR(put(n::Layer(i, n::kAttnOutWeight),
                           p + "attention.output.dense.weight", {h, h}));
    EB_RETURN_IF_ERROR(put(n::Layer(i, n::kAttnOutBias),
                           p + "attention.output.dense.bias", {h}));
    EB_RETURN_IF_ERROR(put(n::Layer(i, n::kAttnLnGamma),
                           p + "attention.output.LayerNorm.weight", {h}));
    EB_RETURN_IF_ERROR(put(n::Layer(i, n::kAttnLnBeta),
                           p + "attention.output.LayerNorm.bias", {h}));
    EB_RETURN_IF_ERROR(put(n::Layer(i, n::kFfnInWeight),
                           p + "intermediate.dense.weight", {in, h}));
    EB_RETURN_IF_ERROR(
        put(n::Layer(i, n::kFfnInBias), p + "intermediate.dense.bias", {in}));
    EB_RETURN_IF_ERROR(
        put(n::Layer(i, n::kFfnOutWeight), p + "output.dense.weight", {h, in}));
    EB_RETURN_IF_ERROR(
        put(n::Layer(i, n::kFfnOutBias), p + "output.dense.bias", {h}));
    EB_RETURN_IF_ERROR(
        put(n::Layer(i, n::kFfnLnGamma), p + "output.LayerNorm.weight", {h}));
    EB_RETURN_IF_ERROR(
        put(n::Layer(i, n::kFfnLnBeta), p + "output.LayerNorm.bias", {h}));
  }
  // The classifier's row count is checked against id2label separately so
  // that the message says which of the two disagree.
  const StTensor* cls = file.Find("classifier.weight");
  if (cls != nullptr && cls->shape.size() == 2 && cls->shape[1] == h &&
      cls->shape[0] != static_cast<int64_t>(c->labels.size())) {
    return FailedPrecondition("config.json id2label has " +
                              std::to_string(c->labels.size()) +
                              " labels but classifier.weight has " +
                              std::to_string(cls->shape[0]) + " rows");
  }
  const int64_t num_labels = static_cast<int64_t>(c->labels.size());
  EB_RETURN_IF_ERROR(
      put(n::kClassifierWeight, "classifier.weight", {num_labels, h}));
  EB_RETURN_IF_ERROR(put(n::kClassifierBias, "classifier.bias", {num_labels}));
  c->source_dtype = src.DTypes();
  return Status::Ok();
}

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string AbsolutePath(const std::string& p) {
  char buf[PATH_MAX];
  if (realpath(p.c_str(), buf) != nullptr) return buf;
  return p;
}

// Serializes the FlatBuffer part for the given data section placement.
// ForceDefaults keeps the encoded size independent of field values.
void BuildFlatBuffer(const HfCheckpoint& c,
                     const std::vector<OutputTensor>& tensors,
                     const std::vector<uint64_t>& rel_offsets,
                     const WriteOptions& opt,
                     const std::map<std::string, std::string>& metadata,
                     uint64_t data_offset, uint64_t data_size,
                     uint64_t checksum, flatbuffers::FlatBufferBuilder* fbb) {
  fbb->Clear();
  fbb->ForceDefaults(true);
  auto encoder = fb::CreateEncoderConfig(
      *fbb, c.num_layers, c.hidden_size, c.num_heads, c.intermediate_size,
      c.max_position_embeddings, c.type_vocab_size, c.vocab_size,
      c.layer_norm_eps, c.activation, opt.max_seq_len);
  auto vocab = fbb->CreateVectorOfStrings(c.vocab);
  auto prefix = fbb->CreateString("##");
  auto tokenizer = fb::CreateTokenizerConfig(
      *fbb, vocab, c.do_lower_case, c.strip_accents, c.tokenize_chinese_chars,
      /*clean_text=*/true, /*max_input_chars_per_word=*/100, prefix, c.unk_id,
      c.cls_id, c.sep_id, c.pad_id, c.mask_id);
  auto labels = fbb->CreateVectorOfStrings(c.labels);
  const HeadOptions& h = opt.head;
  auto head = fb::CreateHead(
      *fbb, h.kind, static_cast<int>(c.labels.size()),
      fbb->CreateVector(h.crf_transitions), fbb->CreateVector(h.crf_start),
      fbb->CreateVector(h.crf_end), h.crf_span, h.logits_tanh, h.lstm_units,
      h.lstm_layers, h.project_hidden, h.padded_window);
  std::vector<flatbuffers::Offset<fb::Tensor>> tvec;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const OutputTensor& t = tensors[i];
    flatbuffers::Offset<fb::QuantParams> quant = 0;
    if (!t.scales.empty() || !t.smooth.empty() || !t.weight_sums.empty()) {
      quant = fb::CreateQuantParams(*fbb, fbb->CreateVector(t.scales),
                                    fbb->CreateVector(t.smooth),
                                    fbb->CreateVector(t.weight_sums));
    }
    auto name = fbb->CreateString(t.name);
    auto shape = fbb->CreateVector(t.shape);
    tvec.push_back(fb::CreateTensor(*fbb, name, shape, t.dtype, t.layout,
                                    data_offset + rel_offsets[i],
                                    t.bytes.size(), quant));
  }
  auto tensors_off = fbb->CreateVector(tvec);
  std::vector<flatbuffers::Offset<fb::KeyValue>> kvs;
  for (const auto& kv : metadata) {
    kvs.push_back(fb::CreateKeyValue(*fbb, fbb->CreateString(kv.first),
                                     fbb->CreateString(kv.second)));
  }
  auto meta = fbb->CreateVectorOfSortedTables(&kvs);
  auto report = fbb->CreateString(opt.quant_report);
  auto model = fb::CreateModel(*fbb, kFormatVersion, encoder, tokenizer, labels,
                               c.tag_scheme, head, tensors_off, meta, report,
                               data_offset, data_size, checksum);
  fbb->FinishSizePrefixed(model, fb::ModelIdentifier());
}

}  // namespace

std::vector<std::string> CanonicalTensorNames(int num_layers) {
  namespace n = names;
  std::vector<std::string> out = {n::kWordEmbeddings, n::kPositionEmbeddings,
                                  n::kTokenTypeEmbeddings, n::kEmbeddingLnGamma,
                                  n::kEmbeddingLnBeta};
  for (int i = 0; i < num_layers; ++i) {
    for (const char* s :
         {n::kQkvWeight, n::kQkvBias, n::kAttnOutWeight, n::kAttnOutBias,
          n::kAttnLnGamma, n::kAttnLnBeta, n::kFfnInWeight, n::kFfnInBias,
          n::kFfnOutWeight, n::kFfnOutBias, n::kFfnLnGamma, n::kFfnLnBeta}) {
      out.push_back(n::Layer(i, s));
    }
  }
  out.push_back(n::kClassifierWeight);
  out.push_back(n::kClassifierBias);
  return out;
}

StatusOr<HfCheckpoint> LoadHfCheckpoint(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return NotFound(dir + ": input checkpoint directory does not exist");
  }
  HfCheckpoint c;
  c.source_dir = AbsolutePath(dir);
  const std::string config_path = dir + "/config.json";
  if (!FileExists(config_path)) {
    return NotFound(config_path + ": config.json not found");
  }
  EB_RETURN_IF_ERROR(ParseConfig(config_path, &c));

  const std::string vocab_path = dir + "/vocab.txt";
  if (!FileExists(vocab_path)) {
    return NotFound(vocab_path +
                    ": vocab.txt not found (WordPiece vocab "
                    "required)");
  }
  EB_RETURN_IF_ERROR(ReadVocab(vocab_path, &c.vocab));
  if (static_cast<int64_t>(c.vocab.size()) != c.vocab_size) {
    return FailedPrecondition(vocab_path + ": has " +
                              std::to_string(c.vocab.size()) +
                              " entries but config.json vocab_size is " +
                              std::to_string(c.vocab_size));
  }
  EB_RETURN_IF_ERROR(ParseTokenizer(dir, &c));

  const std::string st_path = dir + "/model.safetensors";
  if (!FileExists(st_path)) {
    if (FileExists(dir + "/model.safetensors.index.json")) {
      return Unimplemented(dir +
                           ": sharded safetensors checkpoints are not "
                           "supported; merge into model.safetensors");
    }
    if (FileExists(dir + "/pytorch_model.bin")) {
      return Unimplemented(dir +
                           ": pytorch_model.bin (pickle) is not "
                           "supported; save the model as model.safetensors");
    }
    return NotFound(st_path + ": model.safetensors not found");
  }
  StatusOr<SafetensorsFile> file = SafetensorsFile::Open(st_path);
  if (!file.ok()) return file.status();
  EB_RETURN_IF_ERROR(CheckAllTensorsUsed(st_path, c.num_layers));
  EB_RETURN_IF_ERROR(LoadWeights(*file, &c));
  return c;
}

std::vector<OutputTensor> F32Tensors(const HfCheckpoint& ckpt) {
  std::vector<OutputTensor> out;
  for (const std::string& name : CanonicalTensorNames(ckpt.num_layers)) {
    auto it = ckpt.weights.find(name);
    EB_CHECK(it != ckpt.weights.end());
    OutputTensor t;
    t.name = name;
    t.shape = it->second.shape;
    t.dtype = fb::DType::F32;
    t.layout = fb::Layout::RowMajor;
    t.bytes.resize(it->second.data.size() * sizeof(float));
    if (!t.bytes.empty()) {
      std::memcpy(t.bytes.data(), it->second.data.data(), t.bytes.size());
    }
    out.push_back(std::move(t));
  }
  return out;
}

StatusOr<std::vector<OutputTensor>> BuildTensors(const HfCheckpoint& ckpt,
                                                 const std::string& precision,
                                                 std::string* quant_report) {
  quant_report->clear();
  if (precision == "f32") return F32Tensors(ckpt);
  if (precision == "int8") return QuantizeInt8(ckpt, {}, quant_report);
  return InvalidArgument("--precision '" + precision +
                         "' is not one of: f32, int8");
}

Status WriteEbm(const HfCheckpoint& ckpt,
                const std::vector<OutputTensor>& tensors,
                const WriteOptions& opt, const std::string& path) {
  // Data section: each tensor at a 64-aligned offset relative to the section
  // start (the section itself starts 64-aligned), zero padding in between and
  // after the last tensor.
  std::vector<uint64_t> rel(tensors.size());
  uint64_t data_size = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    rel[i] = data_size;
    data_size = AlignUp(data_size + tensors[i].bytes.size());
  }
  std::vector<uint8_t> data(data_size, 0);
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].bytes.empty()) {
      std::memcpy(data.data() + rel[i], tensors[i].bytes.data(),
                  tensors[i].bytes.size());
    }
  }
  const uint64_t checksum = Checksum64(data.data(), data.size());

  std::map<std::string, std::string> metadata = {
      {names::kMetaPrecision, opt.precision},
      {names::kMetaSource, ckpt.source_dir},
      {names::kMetaConverter,
       std::string(kConverterName) + " " + EDGEBERT_VERSION},
      {"created", UtcNow()},
      {"source_dtype", ckpt.source_dtype},
  };
  for (const auto& kv : opt.extra_metadata) metadata[kv.first] = kv.second;

  // The FlatBuffer's size does not depend on the offsets it stores
  // (ForceDefaults, fixed-width fields), so one probe build fixes the data
  // offset; the loop re-checks that invariant.
  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  uint64_t data_offset = 0;
  for (int iter = 0;; ++iter) {
    BuildFlatBuffer(ckpt, tensors, rel, opt, metadata, data_offset, data_size,
                    checksum, &fbb);
    const uint64_t need = AlignUp(fbb.GetSize());
    if (need == data_offset) break;
    EB_CHECK(iter < 4);
    data_offset = need;
  }
  EB_RETURN_IF_ERROR(SealModelHeader(fbb.GetBufferPointer(), fbb.GetSize()));

  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return InvalidArgument(tmp + ": cannot create output file (" +
                           std::strerror(errno) + ")");
  }
  const std::vector<uint8_t> pad(data_offset - fbb.GetSize(), 0);
  bool ok =
      std::fwrite(fbb.GetBufferPointer(), 1, fbb.GetSize(), f) == fbb.GetSize();
  ok = ok &&
       (pad.empty() || std::fwrite(pad.data(), 1, pad.size(), f) == pad.size());
  ok = ok && (data.empty() ||
              std::fwrite(data.data(), 1, data.size(), f) == data.size());
  const int write_errno = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    return Internal(tmp + ": write failed (" + std::strerror(write_errno) +
                    ")");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    return Internal("rename " + tmp + " -> " + path + " failed (" +
                    std::strerror(e) + ")");
  }
  return Status::Ok();
}

Status Convert(const ConvertOptions& options) {
  if (options.input_dir.empty()) return InvalidArgument("--input is empty");
  if (options.output_path.empty()) return InvalidArgument("--output is empty");
  if (options.precision != "f32" && options.precision != "int8") {
    return InvalidArgument("--precision '" + options.precision +
                           "' is not one of: f32, int8");
  }
  StatusOr<HfCheckpoint> ckpt = LoadHfCheckpoint(options.input_dir);
  if (!ckpt.ok()) return ckpt.status();
  return ConvertCheckpoint(*ckpt, options);
}

Status ConvertCheckpoint(const HfCheckpoint& ckpt,
                         const ConvertOptions& options) {
  if (options.output_path.empty()) return InvalidArgument("--output is empty");
  if (options.precision != "f32" && options.precision != "int8") {
    return InvalidArgument("--precision '" + options.precision +
                           "' is not one of: f32, int8");
  }
  EB_RETURN_IF_ERROR(CheckOutputPath(options.output_path));
  EB_RETURN_IF_ERROR(CheckMinFidelity(options.min_fidelity));
  EB_RETURN_IF_ERROR(CheckFiniteWeights(ckpt));
  if (options.weight_rounding != "gptq" &&
      options.weight_rounding != "nearest") {
    return InvalidArgument("--weight-rounding '" + options.weight_rounding +
                           "' is not one of: nearest, gptq");
  }
  if (options.int8_embeddings != "all" && options.int8_embeddings != "word") {
    return InvalidArgument("--int8-embeddings '" + options.int8_embeddings +
                           "' is not one of: all, word");
  }
  if (options.precision == "f32" &&
      (!options.calibration_path.empty() || options.min_fidelity != 0)) {
    return InvalidArgument(
        "--calibration / --min-fidelity apply to --precision int8 only");
  }
  WriteOptions wopt;
  wopt.precision = options.precision;
  const int max_pos = ckpt.max_position_embeddings;
  if (options.max_seq_len == 0) {
    wopt.max_seq_len = std::min(kDefaultMaxSeqLen, max_pos);
  } else if (options.max_seq_len < 3 || options.max_seq_len > max_pos) {
    return InvalidArgument(
        "--max-seq-len " + std::to_string(options.max_seq_len) +
        " must be in [3, max_position_embeddings = " + std::to_string(max_pos) +
        "]");
  } else {
    wopt.max_seq_len = options.max_seq_len;
  }
  StatusOr<std::vector<OutputTensor>> tensors = [&] {
    if (options.precision == "f32") {
      return BuildTensors(ckpt, options.precision, &wopt.quant_report);
    }
    Int8Options q;
    q.calibration_path = options.calibration_path;
    q.smooth_alpha = options.smooth_alpha;
    q.alpha_search = options.alpha_search;
    q.weight_rounding = options.weight_rounding == "nearest"
                            ? WeightRounding::kNearest
                            : WeightRounding::kGptq;
    q.int8_position_type = options.int8_embeddings == "all";
    q.min_fidelity = options.min_fidelity;
    q.calibration_limit = options.calibration_limit;
    q.max_seq_len = wopt.max_seq_len;
    q.progress = options.progress;
    return QuantizeInt8(ckpt, q, &wopt.quant_report);
  }();
  if (!tensors.ok()) return tensors.status();
  return WriteEbm(ckpt, *tensors, wopt, options.output_path);
}

}  // namespace edgebert
