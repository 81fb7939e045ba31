// edgebert-convert --inspect PATH   (one JSON line per tensor, see
//                                    quantize/inspect.h)
// edgebert-convert --input DIR --output FILE [--precision int8|f32]
//                  [--checkpoint PREFIX] [--labels FILE] [--cased]
//                  [--max-seq-len N] [--calibration FILE] [--smooth-alpha A]
//                  [--min-fidelity X] [--calibration-limit N]
//                  [--weight-rounding nearest|gptq]
//                  [--int8-embeddings all|word] [--quiet]
// Exit 0 on success; otherwise one line "edgebert-convert: <CODE>: <why>" on
// stderr, exit 1, and no output file (see Convert in quantize/convert.h);
// exit 2 for a command line CLI11 cannot parse. A set SOURCE_DATE_EPOCH
// fixes the "created" metadata (reproducible output, see options.h).
#include <cstdio>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

#include "quantize/convert.h"
#include "quantize/inspect.h"
#include "quantize/writer/ebm_writer.h"

namespace {

// The enum-valued flags, as spelled on the command line.
struct EnumFlags {
  std::string precision, weight_rounding, int8_embeddings, attention;
};

// Parses the EnumFlags into opt, and SOURCE_DATE_EPOCH into opt->created;
// the error names the flag (or variable) and the accepted values.
edgebert::Status ResolveOptions(const EnumFlags& f,
                                edgebert::ConvertOptions* opt) {
  edgebert::StatusOr<edgebert::Precision> p =
      edgebert::ParsePrecision(f.precision);
  if (!p.ok()) return p.status();
  opt->precision = *p;
  edgebert::StatusOr<edgebert::WeightRounding> r =
      edgebert::ParseWeightRounding(f.weight_rounding);
  if (!r.ok()) return r.status();
  opt->int8.weight_rounding = *r;
  edgebert::StatusOr<edgebert::Int8Embeddings> e =
      edgebert::ParseInt8Embeddings(f.int8_embeddings);
  if (!e.ok()) return e.status();
  opt->int8.int8_embeddings = *e;
  edgebert::StatusOr<edgebert::AttentionPrecision> a =
      edgebert::ParseAttentionPrecision(f.attention);
  if (!a.ok()) return a.status();
  opt->int8.attention = *a;
  edgebert::StatusOr<std::string> created =
      edgebert::CreatedFromSourceDateEpoch(std::getenv("SOURCE_DATE_EPOCH"));
  if (!created.ok()) return created.status();
  opt->created = *created;
  return edgebert::Status::Ok();
}

// The int8 options' flags (registered in --help order).
void AddInt8Flags(CLI::App* app, edgebert::Int8Options* q, EnumFlags* enums) {
  app->add_option("--calibration", q->calibration_path,
                  "int8: calibration text (one sentence per line) or BIO file "
                  "('char TAG' lines); enables SmoothQuant smoothing and the "
                  "fidelity measurement against f32");
  app->add_option("--smooth-alpha", q->smooth_alpha,
                  "SmoothQuant migration strength in [0, 1] (default 0.5)");
  app->add_flag("--alpha-search", q->alpha_search,
                "int8: per GEMM, also try alpha 0.2..0.8 and keep the one with "
                "the lowest output error on the calibration sample");
  app->add_option("--min-fidelity", q->min_fidelity,
                  "int8: keep the worst GEMMs in f32 until the entity F1 of "
                  "int8 against f32 on the calibration sentences is >= X "
                  "(default 0 = off; needs --calibration)");
  app->add_option("--keep-f32", q->keep_f32,
                  "int8: store these tensors f32 (comma-separated GEMM weight "
                  "names as the int8 summary prints them, e.g. "
                  "layer.0.ffn.out.weight, or embeddings.word); the guard "
                  "starts from them")
      ->delimiter(',');
  app->add_option("--two-pass", q->two_pass,
                  "int8: these GEMMs quantize their activations in two int8 "
                  "passes, the row then its residual (comma-separated weight "
                  "names as for --keep-f32; 'auto' (default) = the E -> H "
                  "embedding mapping of ALBERT models; 'none')")
      ->delimiter(',');
  app->add_option("--weight-rounding", enums->weight_rounding,
                  "int8: 'gptq' (default) rounds each GEMM weight with GPTQ "
                  "error feedback through the calibration Hessian (needs "
                  "--calibration, else nearest is used); 'nearest' rounds each "
                  "value to nearest");
  app->add_option("--int8-embeddings", enums->int8_embeddings,
                  "int8: 'word' (default) stores the word embeddings int8 "
                  "(one scale per row) and keeps position / token type f32; "
                  "'all' stores all three tables int8");
  app->add_option("--attention", enums->attention,
                  std::string("int8: attention core, 'int8' (int8 QK^T and "
                              "PV, f32 softmax) or 'f32' (default ") +
                      edgebert::AttentionPrecisionName(q->attention) + ")");
  app->add_option("--calibration-limit", q->calibration_limit,
                  "calibration sentences used (default 512)");
}

}  // namespace

int main(int argc, char** argv) {
  edgebert::ConvertOptions opt;
  edgebert::Int8Options& q = opt.int8;
  EnumFlags enums{edgebert::PrecisionName(opt.precision),
                  edgebert::WeightRoundingName(q.weight_rounding),
                  edgebert::Int8EmbeddingsName(q.int8_embeddings),
                  edgebert::AttentionPrecisionName(q.attention)};
  CLI::App app{
      "Converts a BERT token classifier to an edgebert .ebm model file. "
      "--input is a Hugging Face BertForTokenClassification folder "
      "(config.json, vocab.txt, model.safetensors) or a TF1 "
      "google-research/bert NER output folder (checkpoint + "
      "model.ckpt-N.index/.data-*, bert_config.json, vocab.txt, "
      "label2id.pkl / label2id.json / labels.txt; softmax, CRF and "
      "BiLSTM-CRF heads; no TensorFlow needed).",
      edgebert::kConverterName};
  std::string inspect_path;
  app.add_option("--inspect", inspect_path,
                 "list the tensors of a checkpoint (TF prefix or folder, or "
                 "safetensors file or folder) as JSON lines, then exit");
  app.add_option("--input", opt.input_dir,
                 "checkpoint directory: Hugging Face, or TF1 when it holds a "
                 "`checkpoint` file or *.index (required unless --inspect)");
  app.add_option("--checkpoint", opt.tf_checkpoint,
                 "TF: the checkpoint to read, as PREFIX (model.ckpt-N) or one "
                 "of its files, absolute or relative to --input (default: "
                 "the folder's `checkpoint` file, or its only *.index)");
  app.add_option("--labels", opt.labels_path,
                 "TF: label map file (label2id.pkl, label2id.json, or one "
                 "label per line in id order; default: the first of these "
                 "in --input); ids start at 1, id 0 is padding");
  app.add_flag("--cased", opt.cased,
               "TF: the vocabulary is cased (do_lower_case=False at "
               "training); default lowercase as bert-base-chinese");
  app.add_option("--output", opt.output_path,
                 "output .ebm file (required unless --inspect)");
  app.add_option("--precision", enums.precision, "int8 (default) or f32");
  app.add_option("--max-seq-len", opt.max_seq_len,
                 "longest window in tokens incl. [CLS]/[SEP] (default "
                 "min(128, max_position_embeddings)); the runtime windows long "
                 "text to it. BiLSTM-CRF heads run over this padded window, "
                 "so set it to the training max_seq_length");
  AddInt8Flags(&app, &q, &enums);
  bool quiet = false;
  app.add_flag("--quiet", quiet, "no progress or summary on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::fprintf(stderr, "%s: INVALID_ARGUMENT: %s (see --help)\n",
                 edgebert::kConverterName, e.what());
    return 2;
  }
  if (!inspect_path.empty()) {
    const edgebert::Status s =
        edgebert::InspectCheckpoint(inspect_path, stdout);
    if (s.ok()) return 0;
    std::fprintf(stderr, "%s: %s\n", edgebert::kConverterName,
                 s.ToString().c_str());
    return 1;
  }
  if (opt.input_dir.empty() || opt.output_path.empty()) {
    std::fprintf(stderr,
                 "%s: INVALID_ARGUMENT: --input and --output are "
                 "required (see --help)\n",
                 edgebert::kConverterName);
    return 2;
  }
  q.progress = !quiet;
  edgebert::Status s = ResolveOptions(enums, &opt);
  if (s.ok()) s = edgebert::Convert(opt);
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", edgebert::kConverterName,
                 s.ToString().c_str());
    return 1;
  }
  std::printf("wrote %s\n", opt.output_path.c_str());
  return 0;
}
