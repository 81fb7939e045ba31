// Cost of a BiLstmCrf head relative to the encoder it sits on, measured in
// one process with the two alternating (encoder, head, encoder, head, ...)
// so that machine load hits both alike. One thread.
//
//   head_bench MODEL.ebm [--seq 128] [--rounds 30]
//
// Prints one JSON line: encoder and head median ms, the median of the
// per-round ratios head / encoder, and the CRF Viterbi median ms.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "runtime/api/edgebert.h"
#include "runtime/api/internal.h"
#include "runtime/head/crf.h"
#include "runtime/model/bilstm_head.h"
#include "runtime/model/encoder.h"
#include "runtime/model/encoder_weights.h"
#include "runtime/model/model_file.h"

namespace eb = edgebert;
using Clock = std::chrono::steady_clock;

namespace {

double Ms(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Fail(const eb::Status& s) {
  std::fprintf(stderr, "head_bench: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: head_bench MODEL.ebm [--seq N] [--rounds N]\n");
    return 2;
  }
  size_t seq = 128;
  int rounds = 30;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--seq") seq = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
  }
  auto model = eb::Model::Load(argv[1]);
  if (!model.ok()) return Fail(model.status());
  const eb::ModelFile& f = eb::internal::File(*model.value());
  auto weights = eb::EncoderWeights::Create(f, eb::GemmF32::Backend::kAuto);
  if (!weights.ok()) return Fail(weights.status());
  auto enc = eb::Encoder::Create(*weights.value(), seq);
  if (!enc.ok()) return Fail(enc.status());
  auto head = eb::BiLstmHead::Create(f, enc.value()->hidden_size(), seq,
                                     eb::GemmF32::Backend::kHighway);
  if (!head.ok()) return Fail(head.status());
  const eb::fb::Head& h = *f.model().head();
  const uint32_t L = static_cast<uint32_t>(h.num_labels());
  std::mt19937 rng(42);
  std::uniform_int_distribution<int32_t> pick(1000, 20000);
  std::vector<int32_t> ids(seq), path(seq);
  for (int32_t& id : ids) id = pick(rng);
  std::vector<float> scratch(eb::crf::ScratchFloats(seq, L));
  std::vector<double> te, th, tv, ratio;
  for (int r = 0; r < rounds + 2; ++r) {
    auto t0 = Clock::now();
    const float* x = enc.value()->Encode(ids.data(), seq, seq, nullptr);
    const double e = Ms(t0);
    t0 = Clock::now();
    const float* em = head.value()->Forward(x, seq, nullptr);
    const double hd = Ms(t0);
    t0 = Clock::now();
    eb::crf::Viterbi(em, seq, L, h.crf_transitions()->data(), nullptr, nullptr,
                     scratch.data(), path.data());
    const double v = Ms(t0);
    if (r < 2) continue;  // warmup
    te.push_back(e);
    th.push_back(hd);
    tv.push_back(v);
    ratio.push_back((hd + v) / e);
  }
  std::printf(
      "{\"model\":\"%s\",\"seq\":%zu,\"rounds\":%d,\"encoder_ms\":%.3f,"
      "\"head_ms\":%.3f,\"viterbi_ms\":%.4f,\"head_over_encoder\":%.4f}\n",
      argv[1], seq, rounds, Median(te), Median(th), Median(tv), Median(ratio));
  return 0;
}
