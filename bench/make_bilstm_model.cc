// Benchmark helper: from a Hugging Face checkpoint (e.g.
// bench/make_bert_base.py output) writes the int8 model twice, with its softmax
// head and with a random macanv-style BiLSTM-CRF head (1 cell per direction,
// `units` LSTM units, project/hidden of `units`, padded training window =
// --window), so that `edgebert bench` can compare the two.
//
//   make_bilstm_model --input DIR --linear A.ebm --bilstm B.ebm
//       [--units 128] [--window 128] [--lstm-int8]
//
// --lstm-int8 stores the LSTM input projections int8 (I8PackedK4, as the
// converter stores encoder GEMMs); otherwise f32.
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "quantize/int8/quantize_int8.h"
#include "quantize/readers/hf_checkpoint.h"
#include "quantize/writer/ebm_writer.h"
#include "runtime/model/tensor_names.h"
#include "runtime/quant/codec.h"

namespace eb = edgebert;

namespace {

std::vector<float> Random(size_t n, float r, std::mt19937* rng) {
  std::uniform_real_distribution<float> d(-r, r);
  std::vector<float> v(n);
  for (float& x : v) x = d(*rng);
  return v;
}

eb::OutputTensor F32(const std::string& name, std::vector<int64_t> shape,
                     const std::vector<float>& v) {
  eb::OutputTensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.bytes.resize(v.size() * 4);
  std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  return t;
}

eb::OutputTensor I8(const std::string& name, size_t n, size_t k,
                    const std::vector<float>& w) {
  eb::OutputTensor t;
  t.name = name;
  t.shape = {static_cast<int64_t>(n), static_cast<int64_t>(k)};
  t.dtype = eb::fb::DType::I8;
  t.layout = eb::fb::Layout::I8PackedK4;
  t.bytes.resize(eb::quant::PackedI8Size(n, k));
  t.scales.resize(n);
  t.weight_sums.resize(n);
  eb::quant::PackWeightsI8(w.data(), nullptr, n, k,
                           reinterpret_cast<int8_t*>(t.bytes.data()),
                           t.scales.data(), t.weight_sums.data());
  return t;
}

int Fail(const eb::Status& s) {
  std::fprintf(stderr, "make_bilstm_model: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, linear, bilstm;
  int units = 128, window = 128;
  bool lstm_int8 = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--input" && has)
      input = argv[++i];
    else if (a == "--linear" && has)
      linear = argv[++i];
    else if (a == "--bilstm" && has)
      bilstm = argv[++i];
    else if (a == "--units" && has)
      units = std::atoi(argv[++i]);
    else if (a == "--window" && has)
      window = std::atoi(argv[++i]);
    else if (a == "--lstm-int8")
      lstm_int8 = true;
    else {
      std::fprintf(stderr, "make_bilstm_model: unknown argument '%s'\n",
                   a.c_str());
      return 2;
    }
  }
  if (input.empty() || linear.empty() || bilstm.empty() || units < 1) {
    std::fprintf(stderr,
                 "usage: make_bilstm_model --input DIR --linear A.ebm "
                 "--bilstm B.ebm [--units N] [--window N] [--lstm-int8]\n");
    return 2;
  }
  auto ckpt = eb::LoadHfCheckpoint(input);
  if (!ckpt.ok()) return Fail(ckpt.status());
  std::string report;
  auto tensors =
      eb::QuantizeInt8(ckpt.value(), eb::Int8Options{}, window, &report);
  if (!tensors.ok()) return Fail(tensors.status());
  eb::WriteOptions o;
  o.precision = eb::Precision::kInt8;
  o.max_seq_len = window;
  eb::Status s = eb::WriteEbm(ckpt.value(), tensors.value(), o, linear);
  if (!s.ok()) return Fail(s);

  std::vector<eb::OutputTensor> ts;
  for (eb::OutputTensor& t : tensors.value()) {
    if (t.name.rfind("classifier.", 0) != 0) ts.push_back(std::move(t));
  }
  const size_t H = static_cast<size_t>(ckpt.value().hidden_size);
  const size_t U = static_cast<size_t>(units);
  const size_t L = ckpt.value().labels.size();
  const int64_t u = units, l = static_cast<int64_t>(L);
  std::mt19937 rng(7);
  for (bool bw : {false, true}) {
    const std::string w = eb::names::Lstm(bw, 0, eb::names::kLstmInputWeight);
    const std::vector<float> wx = Random(4 * U * H, 0.05f, &rng);
    ts.push_back(lstm_int8 ? I8(w, 4 * U, H, wx)
                           : F32(w, {4 * u, static_cast<int64_t>(H)}, wx));
    ts.push_back(F32(eb::names::Lstm(bw, 0, eb::names::kLstmInputBias), {4 * u},
                     Random(4 * U, 0.1f, &rng)));
    ts.push_back(F32(eb::names::Lstm(bw, 0, eb::names::kLstmRecurrent),
                     {u, 4 * u}, Random(4 * U * U, 0.1f, &rng)));
  }
  ts.push_back(F32(eb::names::kProjectHiddenWeight, {u, 2 * u},
                   Random(2 * U * U, 0.1f, &rng)));
  ts.push_back(F32(eb::names::kProjectHiddenBias, {u}, Random(U, 0.1f, &rng)));
  ts.push_back(
      F32(eb::names::kClassifierWeight, {l, u}, Random(L * U, 0.1f, &rng)));
  ts.push_back(F32(eb::names::kClassifierBias, {l}, Random(L, 0.1f, &rng)));
  eb::HeadOptions& h = ckpt.value().head;
  h.kind = eb::fb::HeadKind::BiLstmCrf;
  h.crf_transitions = Random(L * L, 0.5f, &rng);
  h.crf_span = eb::fb::CrfSpan::Window;
  h.lstm_units = units;
  h.lstm_layers = 1;
  h.project_hidden = units;
  h.padded_window = window;
  s = eb::WriteEbm(ckpt.value(), ts, o, bilstm);
  if (!s.ok()) return Fail(s);
  return 0;
}
