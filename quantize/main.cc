// edgebert-convert --input DIR --output FILE [--precision f32|int8]
//                  [--max-seq-len N]
// Exit 0 on success; otherwise one line "edgebert-convert: <CODE>: <why>" on
// stderr, exit 1, and no output file (see Convert in quantize/convert.h).
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "quantize/convert.h"

int main(int argc, char** argv) {
  edgebert::ConvertOptions opt;
  CLI::App app{
      "Converts a Hugging Face BertForTokenClassification checkpoint "
      "(config.json, vocab.txt, model.safetensors) to an edgebert .ebm "
      "model file.",
      edgebert::kConverterName};
  app.add_option("--input", opt.input_dir, "checkpoint directory")->required();
  app.add_option("--output", opt.output_path, "output .ebm file")->required();
  app.add_option("--precision", opt.precision, "f32 (default) or int8");
  app.add_option("--max-seq-len", opt.max_seq_len,
                 "longest window in tokens incl. [CLS]/[SEP] (default "
                 "min(128, max_position_embeddings)); the runtime windows long text to it");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::fprintf(stderr, "%s: INVALID_ARGUMENT: %s (see --help)\n",
                 edgebert::kConverterName, e.what());
    return 2;
  }
  const edgebert::Status s = edgebert::Convert(opt);
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", edgebert::kConverterName,
                 s.ToString().c_str());
    return 1;
  }
  std::printf("wrote %s\n", opt.output_path.c_str());
  return 0;
}
