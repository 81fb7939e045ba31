// cross_compare REFERENCE.jsonl CANDIDATE.jsonl [--exact]
//
// Compares two outputs of `edgebert tag --tokens` for the same model and
// input, one produced on x86 and one on an emulated ARM CPU:
//   - same number of lines, same texts, same errors;
//   - entities identical (entity_group, word, start, end, start_byte,
//     end_byte), scores within kScoreTolerance;
//   - tokens identical (id, piece, offsets, label) and every logit within
//     kLogitTolerance.
// --exact (int8 models): every logit and score must be bit-identical too.
// The int8 GEMMs are exact in int32 and every f32 step of an int8 model is
// bit-identical on all FMA targets (runtime/kernels/det_math-inl.h), so x86
// (AVX2 / AVX-512) and ARM (NEON, SVE, armv7 NEON-VFPv4) agree exactly. The
// JSON holds each float as a double that round-trips, so equality of the
// parsed values is equality of the bits.
// Prints a summary line and the first differences; exits 1 on a mismatch.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "nlohmann/json.hpp"

using nlohmann::json;

namespace {

// f32 models use the Highway GEMM (x86, armhf) or XNNPACK (arm64 default),
// whose summation orders differ, plus the kernels' f32 rounding (relative error
// <= ~1e-6 each, runtime/kernels/kernel_tolerances.h). Through a 4-layer
// encoder whose LayerNorms renormalise every sub-layer, logits of magnitude
// <= ~20 then differ by << 1e-3 (measured <= 7.2e-6).
constexpr double kLogitTolerance = 2e-3;
// Softmax probabilities of near-identical logits.
constexpr double kScoreTolerance = 1e-3;

int failures = 0;
void Fail(size_t line, const std::string& what) {
  if (++failures <= 20) {
    std::fprintf(stderr, "line %zu: %s\n", line, what.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || (argc == 4 && std::string(argv[3]) != "--exact") ||
      argc > 4) {
    std::fprintf(stderr, "usage: %s REF.jsonl CAND.jsonl [--exact]\n", argv[0]);
    return 2;
  }
  const bool exact = argc == 4;
  const double logit_tol = exact ? 0.0 : kLogitTolerance;
  const double score_tol = exact ? 0.0 : kScoreTolerance;
  std::ifstream ref(argv[1]), cand(argv[2]);
  if (!ref || !cand) {
    std::fprintf(stderr, "cannot open %s or %s\n", argv[1], argv[2]);
    return 2;
  }
  std::string a, b;
  size_t line = 0, entities = 0, tokens = 0, logits_differ = 0;
  double worst_logit = 0;
  for (;;) {
    const bool ga = static_cast<bool>(std::getline(ref, a));
    const bool gb = static_cast<bool>(std::getline(cand, b));
    if (!ga && !gb) break;
    ++line;
    if (ga != gb) {
      Fail(line, "line counts differ");
      break;
    }
    const json x = json::parse(a, nullptr, false);
    const json y = json::parse(b, nullptr, false);
    if (x.is_discarded() || y.is_discarded()) {
      Fail(line, "not JSON");
      continue;
    }
    if (x.value("text", "") != y.value("text", "") ||
        x.contains("error") != y.contains("error")) {
      Fail(line, "text or error differs");
      continue;
    }
    if (x.contains("error")) continue;
    const json &tx = x["tokens"], &ty = y["tokens"];
    if (tx.size() != ty.size()) {
      Fail(line, "token count");
      continue;
    }
    for (size_t i = 0; i < tx.size(); ++i) {
      for (const char* k : {"id", "piece", "start", "end", "label"}) {
        if (tx[i][k] != ty[i][k]) {
          Fail(line, "token " + std::to_string(i) + " " + k);
        }
      }
      const json &lx = tx[i]["logits"], &ly = ty[i]["logits"];
      if (lx.size() != ly.size()) Fail(line, "logit count");
      for (size_t j = 0; j < lx.size() && j < ly.size(); ++j) {
        const double d = std::fabs(lx[j].get<double>() - ly[j].get<double>());
        worst_logit = std::max(worst_logit, d);
        logits_differ += d != 0;
        if (d > logit_tol) {
          Fail(line, "token " + std::to_string(i) + " logit " +
                         std::to_string(j) + " differs by " +
                         std::to_string(d));
        }
      }
      ++tokens;
    }
    const json &ex = x["entities"], &ey = y["entities"];
    entities += ex.size();
    if (ex.size() != ey.size()) {
      Fail(line, "entity count " + std::to_string(ex.size()) + " vs " +
                     std::to_string(ey.size()));
      continue;
    }
    for (size_t i = 0; i < ex.size(); ++i) {
      for (const char* k :
           {"entity_group", "word", "start", "end", "start_byte", "end_byte"}) {
        if (ex[i][k] != ey[i][k]) Fail(line, std::string("entity ") + k);
      }
      if (std::fabs(ex[i]["score"].get<double>() -
                    ey[i]["score"].get<double>()) > score_tol) {
        Fail(line, "entity score");
      }
    }
  }
  std::printf(
      "cross_compare: %zu lines, %zu entities, %zu tokens, max |logit diff| "
      "%.3g, %zu logits not bit-identical (tolerance %g): %s\n",
      line, entities, tokens, worst_logit, logits_differ, logit_tol,
      failures ? "MISMATCH" : "identical entities");
  return failures ? 1 : 0;
}
