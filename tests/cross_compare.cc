// cross_compare REFERENCE.jsonl CANDIDATE.jsonl [--logit-tol X]
//
// Compares two outputs of `edgebert tag --tokens` for the same model and
// input, one produced on x86 and one on an emulated ARM CPU:
//   - same number of lines, same texts, same errors;
//   - entities identical (entity_group, word, start, end, start_byte,
//     end_byte), scores within kScoreTolerance;
//   - tokens identical (id, piece, offsets, label) and every logit within
//     --logit-tol (default kLogitTolerance).
// Prints a summary line and the first differences; exits 1 on a mismatch.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "nlohmann/json.hpp"

using nlohmann::json;

namespace {

// The f32 kernels differ between targets only in summation order and in the
// exp/erf approximations (relative error <= ~1e-6 each, see
// runtime/kernels/kernel_tolerances.h). Through a 4-layer encoder whose
// LayerNorms renormalise every sub-layer, logits of magnitude <= ~20 then
// differ by << 1e-3; int8 paths are bit-identical up to the f32 epilogue.
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
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s REF.jsonl CAND.jsonl [--logit-tol X]\n",
                 argv[0]);
    return 2;
  }
  double logit_tol = kLogitTolerance;
  if (argc == 5 && std::string(argv[3]) == "--logit-tol") {
    logit_tol = std::atof(argv[4]);
  }
  std::ifstream ref(argv[1]), cand(argv[2]);
  if (!ref || !cand) {
    std::fprintf(stderr, "cannot open %s or %s\n", argv[1], argv[2]);
    return 2;
  }
  std::string a, b;
  size_t line = 0, entities = 0, tokens = 0;
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
    const json &ex = x["entities"], &ey = y["entities"];
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
                    ey[i]["score"].get<double>()) > kScoreTolerance) {
        Fail(line, "entity score");
      }
      ++entities;
    }
    const json &tx = x["tokens"], &ty = y["tokens"];
    if (tx.size() != ty.size()) {
      Fail(line, "token count");
      continue;
    }
    for (size_t i = 0; i < tx.size(); ++i) {
      for (const char* k : {"id", "piece", "start", "end", "label"}) {
        if (tx[i][k] != ty[i][k]) Fail(line, std::string("token ") + k);
      }
      const json &lx = tx[i]["logits"], &ly = ty[i]["logits"];
      for (size_t j = 0; j < lx.size() && j < ly.size(); ++j) {
        const double d = std::fabs(lx[j].get<double>() - ly[j].get<double>());
        worst_logit = std::max(worst_logit, d);
        if (d > logit_tol) Fail(line, "logit differs by " + std::to_string(d));
      }
      ++tokens;
    }
  }
  std::printf(
      "cross_compare: %zu lines, %zu entities, %zu tokens, max |logit diff| "
      "%.3g (tolerance %.3g): %s\n",
      line, entities, tokens, worst_logit, logit_tol,
      failures ? "MISMATCH" : "identical entities");
  return failures ? 1 : 0;
}
