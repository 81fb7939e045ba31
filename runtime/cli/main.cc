// edgebert command-line tool: tag | info | eval | bench.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "nlohmann/json.hpp"
#include "runtime/api/edgebert.h"
#include "runtime/api/internal.h"
#include "runtime/api/model_info.h"
#include "runtime/base/thread_pool.h"
#include "runtime/cli/profile_json.h"
#include "runtime/kernels/gemm_i8.h"
#include "runtime/kernels/kernels.h"
#include "runtime/kernels/peak.h"
#include "runtime/model/model_file.h"
#include "runtime/model/op_profile.h"
#include "runtime/ops/gemm_f32.h"
#include "schema/edgebert_generated.h"

namespace eb = edgebert;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;
double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// CPU time of the whole process (all threads), in ms.
double ProcessCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double PeakRssMb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is KiB.
}

// Every JSON line goes through here: invalid UTF-8 (in the input text, a
// path, a label or metadata of a model file) becomes U+FFFD, never an abort.
std::string Dump(const json& j, int indent = -1) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

int Fail(const eb::Status& s) {
  std::fprintf(stderr, "edgebert: %s\n", s.ToString().c_str());
  return 1;
}

// --threads: 0 = the CPUs this process may use; more than that is capped
// (extra threads only wait for a core) with a warning.
size_t ResolveThreads(size_t requested) {
  const size_t cpus = eb::ThreadPool::OnlineCpus();
  if (requested == 0) return cpus;
  if (requested > cpus) {
    std::fprintf(stderr,
                 "edgebert: warning: --threads %zu exceeds the %zu online "
                 "CPUs; using %zu\n",
                 requested, cpus, cpus);
    return cpus;
  }
  return requested;
}

struct Common {
  std::string model;
  size_t threads = 0;
  uint32_t max_seq = 0, stride = 0;
  bool lstm_unpadded = false;
  bool no_mmap = false;
};

void AddNoMmap(CLI::App* app, Common* c) {
  app->add_flag("--no-mmap", c->no_mmap,
                "Read the model into memory instead of mapping it (for "
                "media where model files change in place)");
}

void AddCommon(CLI::App* app, Common* c) {
  app->add_option("--model,-m", c->model, "Model file (.ebm)")
      ->required()
      ->check(CLI::ExistingFile);
  app->add_option("--threads,-t", c->threads,
                  "Threads incl. the caller (0 = online CPUs, the default "
                  "and the cap; 1 = no pool)")
      ->check(CLI::Range(0, 1024));
  app->add_option("--max-seq", c->max_seq,
                  "Window length in tokens incl. [CLS]/[SEP] "
                  "(default: the model's max_seq_len)");
  app->add_option("--stride", c->stride,
                  "Tokens between window starts (default: half a window)");
  app->add_flag("--lstm-unpadded", c->lstm_unpadded,
                "BiLSTM-CRF models: run the window's tokens only, not the "
                "padded training window (faster; emissions differ)");
  AddNoMmap(app, c);
}

struct Loaded {
  std::unique_ptr<eb::Model> model;
  std::unique_ptr<eb::ThreadPool> pool;
  std::unique_ptr<eb::Tagger> tagger;
};

eb::Status Load(const Common& c, Loaded* out, bool verify = false) {
  eb::LoadOptions lo;
  lo.verify_data = verify;
  lo.use_mmap = !c.no_mmap;
  eb::StatusOr<std::unique_ptr<eb::Model>> m = eb::Model::Load(c.model, lo);
  if (!m.ok()) return m.status();
  out->model = std::move(m.value());
  const size_t threads = ResolveThreads(c.threads);
  if (threads > 1) {
    eb::StatusOr<std::unique_ptr<eb::ThreadPool>> pool =
        eb::ThreadPool::Create(threads);
    if (!pool.ok()) return pool.status();
    out->pool = std::move(pool.value());
  }
  eb::TaggerOptions o;
  o.max_seq_len = c.max_seq;
  o.stride = c.stride;
  o.lstm_unpadded = c.lstm_unpadded;
  eb::StatusOr<std::unique_ptr<eb::Tagger>> t =
      eb::Tagger::Create(*out->model, o, out->pool.get());
  if (!t.ok()) return t.status();
  out->tagger = std::move(t.value());
  return eb::Status::Ok();
}

json EntitiesJson(const std::vector<eb::Entity>& ents) {
  json a = json::array();
  for (const eb::Entity& e : ents) {
    a.push_back({{"entity_group", e.entity_group},
                 {"word", e.word},
                 {"start", e.start},
                 {"end", e.end},
                 {"start_byte", e.start_byte},
                 {"end_byte", e.end_byte},
                 {"score", e.score}});
  }
  return a;
}

int RunTag(const Common& c, const std::vector<std::string>& texts,
           bool tokens) {
  Loaded l;
  eb::Status s = Load(c, &l);
  if (!s.ok()) return Fail(s);
  const std::vector<std::string>& labels = l.model->config().labels;
  eb::TagResult r;
  int code = 0;
  auto one = [&](const std::string& text) {
    json out;
    eb::Status st = l.tagger->Tag(text, &r, tokens);
    out["text"] = text;
    if (!st.ok()) {
      out["error"] = st.message();
      // The model file changed under us: say so once on stderr; this and
      // every later line get the error line, and the exit code is 1.
      if (code == 0 && !l.model->FileStatus().ok()) code = Fail(st);
    } else {
      out["entities"] = EntitiesJson(r.entities);
      if (tokens) {
        json a = json::array();
        for (const eb::TokenResult& t : r.tokens) {
          a.push_back({{"id", t.id},
                       {"piece", t.piece},
                       {"start", t.start},
                       {"end", t.end},
                       {"label", labels[static_cast<size_t>(t.label)]},
                       {"logits", t.logits}});
        }
        out["tokens"] = std::move(a);
      }
    }
    std::string line = Dump(out);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  };
  if (!texts.empty()) {
    for (const std::string& t : texts) one(t);
    return code;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    one(line);
  }
  return code;
}

int RunInfo(const Common& c, bool verify) {
  Loaded l;
  eb::Status s = Load(c, &l, verify);
  if (!s.ok()) return Fail(s);
  const eb::ModelFile& f = eb::internal::File(*l.model);
  const eb::fb::Model& fm = f.model();
  json j = eb::ModelInfo(*l.model);  // precision, config, labels, head, ...
  j["model"] = c.model;
  j["file_bytes"] = f.file_bytes();
  j["format_version"] = fm.format_version();
  const eb::fb::TokenizerConfig& t = *fm.tokenizer();
  j["tokenizer"] = {{"do_lower_case", t.do_lower_case()},
                    {"strip_accents", t.strip_accents()},
                    {"tokenize_chinese_chars", t.tokenize_chinese_chars()},
                    {"max_input_chars_per_word", t.max_input_chars_per_word()},
                    {"unk_id", t.unk_id()},
                    {"cls_id", t.cls_id()},
                    {"sep_id", t.sep_id()},
                    {"pad_id", t.pad_id()}};
  const eb::fb::Head& h = *fm.head();
  if (h.kind() == eb::fb::HeadKind::BiLstmCrf) {
    j["head_lstm"] = {{"units", h.lstm_units()},
                      {"layers", h.lstm_layers()},
                      {"project_hidden", h.project_hidden()},
                      {"padded_window", h.padded_window()}};
  }
  if (h.kind() != eb::fb::HeadKind::Linear) {
    j["head_crf"] = {
        {"span", eb::fb::EnumNameCrfSpan(h.crf_span())},
        {"start_end", h.crf_start() != nullptr && h.crf_start()->size() > 0},
        {"emissions_tanh", h.logits_tanh()}};
  }
  size_t data_bytes = 0;
  json by_dtype = json::object();
  for (const eb::fb::Tensor* tensor : *fm.tensors()) {
    data_bytes += tensor->size();
    std::string k = eb::DTypeName(tensor->dtype());
    by_dtype[k] = by_dtype.value(k, size_t{0}) + tensor->size();
  }
  j["tensors"] = fm.tensors()->size();
  j["tensor_bytes"] = data_bytes;
  j["tensor_bytes_by_dtype"] = by_dtype;
  const eb::MemoryPlan mem = l.tagger->memory();
  j["arena_bytes"] = mem.arena_bytes;
  j["shared_weight_bytes"] = mem.shared_weight_bytes;
  j["highway_target"] = eb::kernels::ActiveTargetName();
  j["gemm_backend"] = l.tagger->BackendInfo();
  j["int8_kernel"] = eb::kernels::GemmI8KernelName();
  j["f32_gemm_default"] = eb::GemmF32::BackendName();
  j["peak_gmacs_per_core"] = eb::cli::PeakJson(eb::kernels::MeasurePeakRates());
  json meta = json::object();
  if (fm.metadata()) {
    for (const auto* kv : *fm.metadata()) {
      meta[kv->key()->str()] = kv->value() ? kv->value()->str() : "";
    }
  }
  j["metadata"] = meta;
  if (fm.quant_report() && fm.quant_report()->size() > 0) {
    json rep = json::parse(fm.quant_report()->str(), nullptr, false);
    j["quant_report"] =
        rep.is_discarded() ? json(fm.quant_report()->str()) : rep;
  }
  j["header_checksum"] = "ok";  // Load checks it every time.
  if (verify) j["checksum"] = "ok";
  std::printf("%s\n", Dump(j, 2).c_str());
  return 0;
}

int RunEval(const Common& c, const std::string& data) {
  eb::StatusOr<std::vector<eb::BioSentence>> sents = eb::ReadBioFile(data);
  if (!sents.ok()) return Fail(sents.status());
  Loaded l;
  eb::Status s = Load(c, &l);
  if (!s.ok()) return Fail(s);
  eb::PrfCounts counts;
  eb::TagResult r;
  size_t errors = 0;
  const auto t0 = Clock::now();
  for (const eb::BioSentence& sent : sents.value()) {
    std::string text;
    for (const std::string& ch : sent.chars) text += ch;
    std::vector<std::string> pred(sent.chars.size(), "O");
    eb::Status st = l.tagger->Tag(text, &r, /*want_tokens=*/true);
    if (!st.ok()) {
      ++errors;
      std::fprintf(stderr, "edgebert: eval: sentence %zu: %s\n",
                   static_cast<size_t>(&sent - sents.value().data()) + 1,
                   st.message().c_str());
    } else {
      pred = l.tagger->CharTags(sent.chars, r);
    }
    counts.Add(eb::SpansFromTags(sent.tags), eb::SpansFromTags(pred));
  }
  json j = {{"data", data},
            {"sentences", sents.value().size()},
            {"errors", errors},
            {"gold", counts.gold},
            {"predicted", counts.predicted},
            {"correct", counts.correct},
            {"precision", counts.precision()},
            {"recall", counts.recall()},
            {"f1", counts.f1()},
            {"seconds", MsSince(t0) / 1000.0}};
  std::printf("%s\n", Dump(j).c_str());
  return 0;
}

// Comma-separated integers >= min_value (1, or 0 for --threads: 0 = the
// CPUs, as in `tag`); each bad item is reported on stderr.
std::vector<size_t> ParseList(const std::string& s, const char* what,
                              long min_value, bool* ok) {
  std::vector<size_t> v;
  std::stringstream ss(s);
  std::string item;
  *ok = true;
  while (std::getline(ss, item, ',')) {
    try {
      size_t pos = 0;
      long x = std::stol(item, &pos);
      if (pos != item.size() || x < min_value) {
        throw std::invalid_argument(item);
      }
      v.push_back(static_cast<size_t>(x));
    } catch (...) {
      std::fprintf(stderr, "edgebert: %s '%s' is not an integer >= %ld\n", what,
                   item.c_str(), min_value);
      *ok = false;
    }
  }
  if (v.empty()) *ok = false;
  return v;
}

int RunBench(const Common& c, const std::string& seqs_s,
             const std::string& threads_s, int iters, int warmup,
             bool profile) {
  bool ok1, ok2;
  const std::vector<size_t> seqs = ParseList(seqs_s, "--seq", 1, &ok1);
  const std::vector<size_t> threads =
      ParseList(threads_s, "--threads", 0, &ok2);
  if (!ok1 || !ok2) return 2;
  eb::kernels::PeakRates peak;
  if (profile) peak = eb::kernels::MeasurePeakRates();
  for (size_t th : threads) {
    Common cc = c;
    cc.threads = th;
    cc.max_seq =
        static_cast<uint32_t>(*std::max_element(seqs.begin(), seqs.end()));
    const auto t0 = Clock::now();
    Loaded l;
    eb::Status s = Load(cc, &l);
    if (!s.ok()) return Fail(s);
    const double load_ms = MsSince(t0);
    const int vocab = l.model->config().vocab_size;
    const eb::fb::TokenizerConfig& tc =
        *eb::internal::File(*l.model).model().tokenizer();
    std::mt19937 rng(42);
    for (size_t seq : seqs) {
      std::vector<int32_t> ids(seq);
      std::uniform_int_distribution<int32_t> pick(1000 % vocab, vocab - 1);
      for (int32_t& id : ids) id = pick(rng);
      ids.front() = tc.cls_id();
      ids.back() = tc.sep_id();
      std::vector<double> ms, cpu_ms;
      std::vector<eb::OpProfile> runs(profile ? iters : 0);
      eb::OpProfile scratch;
      for (int i = 0; i < warmup + iters; ++i) {
        eb::OpProfile* prof = !profile      ? nullptr
                              : i >= warmup ? &runs[i - warmup]
                                            : &scratch;
        eb::internal::Access::SetOpProfile(l.tagger.get(), prof);
        const double c1 = ProcessCpuMs();
        const auto t1 = Clock::now();
        eb::StatusOr<const float*> out = l.tagger->Logits(ids.data(), seq);
        if (!out.ok()) return Fail(out.status());
        if (i >= warmup) {
          ms.push_back(MsSince(t1));
          cpu_ms.push_back(ProcessCpuMs() - c1);
        }
      }
      std::sort(cpu_ms.begin(), cpu_ms.end());
      eb::internal::Access::SetOpProfile(l.tagger.get(), nullptr);
      const std::vector<double> run_ms = ms;
      std::sort(ms.begin(), ms.end());
      auto pct = [&](double p) {
        return ms[std::min(ms.size() - 1,
                           static_cast<size_t>(p * (ms.size() - 1) + 0.5))];
      };
      json j = {
          {"model", c.model},
          {"precision", l.model->config().precision},
          {"seq", seq},
          {"threads", eb::PoolThreads(l.pool.get())},
          {"iters", iters},
          {"p50_ms", pct(0.5)},
          {"p90_ms", pct(0.9)},
          {"min_ms", ms.front()},
          // CPU time of all threads; with 1 thread, the time the run had a
          // core (wall time minus waiting for one on a loaded machine).
          {"cpu_p50_ms", cpu_ms[cpu_ms.size() / 2]},
          {"load_ms", load_ms},
          {"peak_rss_mb", PeakRssMb()},
          {"file_mb", eb::internal::File(*l.model).file_bytes() / 1048576.0},
          {"arena_mb", l.tagger->memory().arena_bytes / 1048576.0},
          {"backend", l.tagger->BackendInfo()}};
      if (profile) {
        eb::cli::ProfileInput in;
        in.runs = &runs;
        in.run_ms = &run_ms;
        in.p50_ms = pct(0.5);
        in.cpu_p50_ms = j["cpu_p50_ms"];
        in.peak = peak;
        in.threads = eb::PoolThreads(l.pool.get());
        in.int8 = l.model->config().precision == "int8";
        in.int8_attention = l.model->config().attention == "int8";
        j["profile"] = eb::cli::ProfileJson(in);
      }
      std::printf("%s\n", Dump(j).c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "edgebert: BERT token classification (NER) on CPUs.\n"
      "Models are made by edgebert-convert."};
  app.require_subcommand(1);

  Common tag_c;
  std::vector<std::string> texts;
  bool tokens = false;
  CLI::App* tag = app.add_subcommand(
      "tag",
      "Tag text: one JSON line per input line (stdin) or per --text. "
      "Fields as the Hugging Face NER pipeline; start/end in code points.");
  AddCommon(tag, &tag_c);
  tag->add_option("--text", texts, "Text to tag (repeatable) instead of stdin");
  tag->add_flag("--tokens", tokens,
                "Add per-token ids, pieces, labels, logits");

  Common info_c;
  bool verify = false;
  CLI::App* info = app.add_subcommand(
      "info", "Print config, labels, sizes, arena and backends as JSON");
  AddCommon(info, &info_c);
  info->add_flag("--verify", verify,
                 "Also verify the tensor data checksum (the header checksum "
                 "is verified on every load)");

  Common eval_c;
  std::string data;
  CLI::App* eval = app.add_subcommand(
      "eval", "Entity precision/recall/F1 (exact type + span) on a BIO file");
  AddCommon(eval, &eval_c);
  eval->add_option("--data,-d", data,
                   "BIO file: 'char TAG' lines, blank "
                   "line between sentences")
      ->required()
      ->check(CLI::ExistingFile);

  Common bench_c;
  std::string seqs = "32,128", threads = "1";
  int iters = 20, warmup = 3;
  CLI::App* bench = app.add_subcommand(
      "bench", "Encoder latency on synthetic ids: one JSON line per config");
  bench->add_option("--model,-m", bench_c.model, "Model file (.ebm)")
      ->required()
      ->check(CLI::ExistingFile);
  bench->add_option("--seq", seqs, "Comma-separated sequence lengths");
  bench->add_option("--threads,-t", threads,
                    "Comma-separated thread counts (0 = the CPUs, as in tag)");
  bench->add_option("--iters", iters, "Timed iterations")
      ->check(CLI::Range(1, 100000));
  bench->add_option("--warmup", warmup, "Untimed iterations")
      ->check(CLI::Range(0, 1000));
  AddNoMmap(bench, &bench_c);
  bool profile = false;
  bench->add_flag("--profile", profile,
                  "Add a per-op time breakdown (summed over layers, share of "
                  "the total, GMAC/s against the measured per-core peak)");

  CLI11_PARSE(app, argc, argv);
  if (tag->parsed()) return RunTag(tag_c, texts, tokens);
  if (info->parsed()) return RunInfo(info_c, verify);
  if (eval->parsed()) return RunEval(eval_c, data);
  if (bench->parsed())
    return RunBench(bench_c, seqs, threads, iters, warmup, profile);
  return 2;
}
