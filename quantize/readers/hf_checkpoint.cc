#include "quantize/readers/hf_checkpoint.h"

#include <sys/stat.h>

#include <set>
#include <utility>
#include <vector>

#include "quantize/readers/file_util.h"
#include "quantize/readers/hf_albert.h"
#include "quantize/readers/hf_config.h"
#include "quantize/readers/hf_tensor_source.h"
#include "quantize/readers/hf_tokenizer.h"
#include "quantize/validate.h"
#include "runtime/model/model_file.h"
#include "runtime/model/safetensors.h"
#include "runtime/model/tensor_names.h"

namespace edgebert {
namespace {

Status LoadWeights(const SafetensorsFile& file, Checkpoint* c) {
  TensorSource src(&file, "bert.");
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

}  // namespace

StatusOr<Checkpoint> LoadHfCheckpoint(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return NotFound(dir + ": input checkpoint directory does not exist");
  }
  Checkpoint c;
  c.source_dir = AbsolutePath(dir);
  const std::string config_path = dir + "/config.json";
  if (!FileExists(config_path)) {
    return NotFound(config_path + ": config.json not found");
  }
  AlbertLayout albert;
  EB_RETURN_IF_ERROR(ParseHfConfig(config_path, &c, &albert));

  const std::string vocab_path = dir + "/vocab.txt";
  if (!FileExists(vocab_path) && FileExists(dir + "/spiece.model")) {
    return Unimplemented(dir +
                         ": SentencePiece tokenizer (spiece.model, e.g. "
                         "English ALBERT) is not supported: edgebert "
                         "tokenizes with a WordPiece vocab.txt (Chinese BERT "
                         "/ ALBERT checkpoints)");
  }
  if (!FileExists(vocab_path)) {
    return NotFound(vocab_path +
                    ": vocab.txt not found (WordPiece vocab "
                    "required)");
  }
  EB_RETURN_IF_ERROR(ReadHfVocab(vocab_path, &c.vocab));
  if (static_cast<int64_t>(c.vocab.size()) != c.vocab_size) {
    return FailedPrecondition(vocab_path + ": has " +
                              std::to_string(c.vocab.size()) +
                              " entries but config.json vocab_size is " +
                              std::to_string(c.vocab_size));
  }
  EB_RETURN_IF_ERROR(ParseHfTokenizer(dir, &c));

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
  if (albert.hidden_layers > 0) {
    EB_RETURN_IF_ERROR(LoadAlbertWeights(*file, albert, &c));
    return c;
  }
  EB_RETURN_IF_ERROR(CheckAllTensorsUsed(st_path, c.num_layers));
  EB_RETURN_IF_ERROR(LoadWeights(*file, &c));
  return c;
}

}  // namespace edgebert
