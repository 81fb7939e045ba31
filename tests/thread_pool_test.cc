// ThreadPool (runtime/base/thread_pool.h): every item once, results visible,
// concurrent callers; oversubscribed pools finish in bounded time; and the
// API's concurrency contract: one Model, many Taggers, one shared pool, each
// result equal to a single-threaded tagger's. Built under TSan by
// tests/run_all.sh (the pool is made of std primitives TSan sees).
#include "runtime/base/thread_pool.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "quantize/convert.h"
#include "runtime/api/edgebert.h"
#include "tests/test_env.h"

namespace eb = edgebert;

namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<eb::ThreadPool> MakePool(size_t threads) {
  eb::StatusOr<std::unique_ptr<eb::ThreadPool>> p =
      eb::ThreadPool::Create(threads);
  REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  return std::move(p.value());
}

struct Counts {
  std::vector<std::atomic<int>> hits;
  explicit Counts(size_t n) : hits(n) {}
  static void Task(void* ctx, size_t i) {
    static_cast<Counts*>(ctx)->hits[i].fetch_add(1);
  }
};

// Plain (non-atomic) writes: Parallelize must make them visible.
struct Squares {
  std::vector<uint64_t> out;
  static void Task(void* ctx, size_t i) {
    static_cast<Squares*>(ctx)->out[i] = static_cast<uint64_t>(i) * i;
  }
};

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

TEST_CASE("Parallelize runs every item exactly once") {
  for (size_t threads : {1, 2, 3, 8}) {
    std::unique_ptr<eb::ThreadPool> pool = MakePool(threads);
    CHECK(pool->threads() == threads);
    for (size_t n : {0, 1, 2, 3, 7, 64, 1000}) {
      INFO("threads ", threads, " n ", n);
      for (int rep = 0; rep < 20; ++rep) {
        Counts c(n);
        pool->Parallelize(&Counts::Task, &c, n);
        size_t wrong = 0;
        for (auto& h : c.hits) wrong += h.load() != 1;
        REQUIRE(wrong == 0);
        Squares s{std::vector<uint64_t>(n, 7)};
        pool->Parallelize(&Squares::Task, &s, n);
        for (size_t i = 0; i < n; ++i) REQUIRE(s.out[i] == uint64_t{i} * i);
      }
    }
  }
}

TEST_CASE("ThreadPool::Create: 0 = online CPUs, absurd counts refused") {
  CHECK(eb::ThreadPool::OnlineCpus() >= 1);
  CHECK(MakePool(0)->threads() == eb::ThreadPool::OnlineCpus());
  eb::StatusOr<std::unique_ptr<eb::ThreadPool>> p =
      eb::ThreadPool::Create(eb::ThreadPool::kMaxThreads + 1);
  CHECK(!p.ok());
  CHECK(p.status().message().find("exceeds") != std::string::npos);
  CHECK(eb::PoolThreads(nullptr) == 1);
}

TEST_CASE("callers on several threads share one pool") {
  std::unique_ptr<eb::ThreadPool> pool = MakePool(3);
  std::atomic<size_t> bad{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int rep = 0; rep < (eb::testing::Emulated() ? 20 : 200); ++rep) {
        Counts c(37);
        pool->Parallelize(&Counts::Task, &c, 37);
        for (auto& h : c.hits) bad += h.load() != 1;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  CHECK(bad.load() == 0);
}

// Regression (issue 13, item 9): pthreadpool's workers spin and every loop
// waits for all of them, so 3+ threads on 2 cores took minutes for work done
// serially in well under a second. Here each loop is tiny (the worst case
// for hand-offs) and the pool has 4x the CPUs.
TEST_CASE("an oversubscribed pool costs a bounded factor, not minutes") {
  const size_t cpus = eb::ThreadPool::OnlineCpus();
  const int loops = eb::testing::Emulated() ? 300 : 3000;
  struct Work {
    std::vector<double> v = std::vector<double>(64 * 256, 1.0);
    static void Task(void* ctx, size_t i) {
      double* row = static_cast<Work*>(ctx)->v.data() + i * 256;
      for (int k = 0; k < 256; ++k) row[k] = row[k] * 0.999 + 0.001;
    }
  } work;
  auto run = [&](eb::ThreadPool* pool) {
    const Clock::time_point t0 = Clock::now();
    for (int l = 0; l < loops; ++l)
      eb::ParallelFor(pool, &Work::Task, &work, 64);
    return SecondsSince(t0);
  };
  const double serial = run(nullptr);
  std::unique_ptr<eb::ThreadPool> pool = MakePool(4 * cpus);
  const double over = run(pool.get());
  MESSAGE("serial ", serial, " s, ", 4 * cpus, " threads on ", cpus, " CPUs ",
          over, " s");
  // The bound leaves room for a loaded CI machine; the failure it guards
  // against is 100x and more.
  CHECK(over <= 10 * serial + 1.0);

  // Issue 13, item 9, the other half: a pool no larger than the CPUs (its
  // workers spin) while every CPU also runs a busy thread ("two CPU hogs":
  // 2 threads were 120x slower than 1 with pthreadpool).
  std::atomic<bool> stop{false};
  std::vector<std::thread> hogs;
  for (size_t i = 0; i < cpus; ++i) {
    hogs.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  }
  const double serial_hogged = run(nullptr);
  std::unique_ptr<eb::ThreadPool> fit = MakePool(std::max<size_t>(2, cpus));
  const double hogged = run(fit.get());
  stop.store(true);
  for (std::thread& t : hogs) t.join();
  MESSAGE("with ", cpus, " busy threads: serial ", serial_hogged, " s, ",
          fit->threads(), " threads ", hogged, " s");
  CHECK(hogged <= 10 * serial_hogged + 1.0);
}

namespace {

std::string ConvertFixture(const eb::testing::TempDir& dir,
                           const std::string& precision) {
  eb::ConvertOptions o;
  o.input_dir =
      std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures/tiny_random";
  o.output_path = dir / ("tiny_" + precision + ".ebm");
  auto prec = eb::ParsePrecision(precision);
  REQUIRE(prec.ok());
  o.precision = *prec;
  eb::Status s = eb::Convert(o);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return o.output_path;
}

std::vector<std::string> FixtureLines() {
  std::ifstream f(std::string(EDGEBERT_SOURCE_DIR) +
                  "/tests/fixtures/tiny_random/calib.txt");
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);) lines.push_back(l);
  REQUIRE(lines.size() >= 4);
  return lines;
}

std::vector<float> AllLogits(const eb::TagResult& r) {
  std::vector<float> v;
  for (const eb::TokenResult& t : r.tokens) {
    v.insert(v.end(), t.logits.begin(), t.logits.end());
  }
  return v;
}

}  // namespace

TEST_CASE("one Model, many Taggers, one shared pool: same results") {
  eb::testing::TempDir dir("edgebert_pool");
  // Under qemu (20-100x slower) fewer lines and one pass.
  std::vector<std::string> lines = FixtureLines();
  if (eb::testing::Emulated()) lines.resize(6);
  const int reps = eb::testing::Emulated() ? 1 : 3;
  for (const char* precision : {"int8", "f32"}) {
    INFO("precision ", precision);
    auto model = eb::Model::Load(ConvertFixture(dir, precision));
    REQUIRE_MESSAGE(model.ok(), model.status().ToString());
    // Reference: one tagger, no pool.
    std::vector<std::vector<float>> expected;
    {
      auto t = eb::Tagger::Create(*model.value(), {}, nullptr);
      REQUIRE(t.ok());
      for (const std::string& l : lines) {
        eb::TagResult r;
        REQUIRE(t.value()->Tag(l, &r, /*want_tokens=*/true).ok());
        expected.push_back(AllLogits(r));
      }
    }
    std::unique_ptr<eb::ThreadPool> pool = MakePool(3);
    std::atomic<size_t> mismatches{0}, errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        auto tagger = eb::Tagger::Create(*model.value(), {}, pool.get());
        if (!tagger.ok()) {
          ++errors;
          return;
        }
        eb::TagResult r;
        for (int rep = 0; rep < reps; ++rep) {
          for (size_t i = 0; i < lines.size(); ++i) {
            const size_t j = (i + t) % lines.size();
            if (!tagger.value()->Tag(lines[j], &r, true).ok()) ++errors;
            if (AllLogits(r) != expected[j]) ++mismatches;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    CHECK(errors.load() == 0);
    CHECK(mismatches.load() == 0);
  }
}
