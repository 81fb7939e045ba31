#include "quantize/readers/tf/tf_checkpoint.h"

#include <sys/stat.h>

#include <utility>
#include <vector>

#include "quantize/labels.h"
#include "quantize/readers/file_util.h"
#include "quantize/readers/hf_tokenizer.h"
#include "quantize/readers/tf/tf_config.h"
#include "quantize/readers/tf/tf_encoder.h"
#include "quantize/readers/tf/tf_head.h"
#include "quantize/readers/tf/tf_names.h"
#include "quantize/readers/tf/tf_tensors.h"
#include "quantize/tf/checkpoint_path.h"
#include "quantize/tf/tensor_bundle.h"
#include "runtime/head/tag_scheme.h"

namespace edgebert {
namespace {

Status ReadVocab(const TfReadOptions& o, Checkpoint* c) {
  const std::string path = o.dir + "/vocab.txt";
  if (!FileExists(path)) {
    return NotFound(path + ": vocab.txt not found (WordPiece vocab required)");
  }
  EB_RETURN_IF_ERROR(ReadHfVocab(path, &c->vocab));
  if (static_cast<int64_t>(c->vocab.size()) != c->vocab_size) {
    return FailedPrecondition(path + ": has " +
                              std::to_string(c->vocab.size()) +
                              " entries but bert_config.json vocab_size is " +
                              std::to_string(c->vocab_size));
  }
  EB_RETURN_IF_ERROR(ParseHfTokenizer(o.dir, c));
  if (o.cased) c->do_lower_case = c->strip_accents = false;
  return Status::Ok();
}

StatusOr<tf::TfBundle> OpenBundle(const TfReadOptions& o) {
  std::string path = o.checkpoint.empty() ? o.dir : o.checkpoint;
  // A relative --checkpoint that is not found from the working directory is
  // looked up in the folder.
  if (!o.checkpoint.empty() && !tf::LooksLikeTfCheckpoint(path) &&
      o.checkpoint[0] != '/') {
    path = o.dir + "/" + o.checkpoint;
  }
  StatusOr<std::string> prefix = tf::ResolveTfPrefix(path);
  if (!prefix.ok()) return prefix.status();
  return tf::TfBundle::Open(*prefix);
}

// The family whose marker tensor the bundle holds.
StatusOr<const TfFamily*> DetectFamily(const TfTensors& t) {
  std::string markers;
  for (const TfFamily* f : TfFamilies()) {
    if (t.Has(f->marker)) return f;
    markers += std::string(markers.empty() ? "" : ", ") + f->marker + " (" +
               f->name + ")";
  }
  return NotFound(t.label() + ": no known encoder: looked for " + markers);
}

Status ReadLabels(const TfReadOptions& o, int64_t width, Checkpoint* c) {
  std::string path = o.labels_path;
  if (path.empty()) {
    StatusOr<std::string> found = FindLabelMap(o.dir);
    if (!found.ok()) return found.status();
    path = *found;
  }
  StatusOr<std::vector<std::string>> labels = ReadLabelMap(path, width);
  if (!labels.ok()) return labels.status();
  c->labels = std::move(labels.value());
  // Same values as fb::TagScheme (runtime/head/tag_scheme.h).
  c->tag_scheme = static_cast<fb::TagScheme>(DetectTagScheme(c->labels));
  return Status::Ok();
}

}  // namespace

bool IsTfCheckpointDir(const std::string& dir) {
  return tf::LooksLikeTfCheckpoint(dir);
}

StatusOr<Checkpoint> LoadTfCheckpoint(const TfReadOptions& o) {
  struct stat st;
  if (stat(o.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return NotFound(o.dir + ": input checkpoint directory does not exist");
  }
  Checkpoint c;
  c.source_dir = AbsolutePath(o.dir);
  const std::string config = o.dir + "/bert_config.json";
  if (!FileExists(config)) {
    return NotFound(config + ": bert_config.json not found");
  }
  EB_RETURN_IF_ERROR(ParseTfBertConfig(config, &c));
  EB_RETURN_IF_ERROR(ReadVocab(o, &c));
  StatusOr<tf::TfBundle> bundle = OpenBundle(o);
  if (!bundle.ok()) return bundle.status();
  TfTensors tensors(&bundle.value());
  StatusOr<const TfFamily*> family = DetectFamily(tensors);
  if (!family.ok()) return family.status();
  EB_RETURN_IF_ERROR(LoadTfEncoder(**family, &tensors, &c));
  StatusOr<int64_t> width = LoadTfHead(&tensors, &c);
  if (!width.ok()) return width.status();
  EB_RETURN_IF_ERROR(tensors.CheckAllUsed(c.num_layers));
  EB_RETURN_IF_ERROR(ReadLabels(o, *width, &c));
  c.source_dtype = tensors.DTypes();
  return c;
}

}  // namespace edgebert
