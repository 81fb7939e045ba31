// ThreadPool (runtime/base/thread_pool.h) under conditions that expose lost
// wake-ups: many short loops, pools with more threads than CPUs (they never
// spin, so every wait blocks), items that outlast the spin, several callers,
// and the whole process stopped (SIGSTOP) and continued (SIGCONT) at random
// instants from a child process, which freezes every thread at an arbitrary
// instruction and lets all spin deadlines expire at once. A watchdog turns a
// hang into a failure naming the configuration and loop instead of a ctest
// timeout. Built under TSan and run under qemu by the CI (tests/sanitizers.sh,
// ports/cross_test.sh).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "runtime/base/thread_pool.h"
#include "tests/test_env.h"

namespace eb = edgebert;

namespace {

using Clock = std::chrono::steady_clock;

void SleepMicros(long us) {
  timespec ts{us / 1000000, (us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// A forked child that stops and continues this process until destroyed.
// The child only calls async-signal-safe functions. It stops its parent
// only between checks of the pipe, so it never exits leaving it stopped.
class StopContinueChild {
 public:
  StopContinueChild(long stop_us, long max_run_us) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t parent = getpid();
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      close(fds[1]);
      fcntl(fds[0], F_SETFL, O_NONBLOCK);
      RunChild(parent, fds[0], stop_us, max_run_us);
    }
    close(fds[0]);
    done_fd_ = fds[1];
  }
  ~StopContinueChild() {
    close(done_fd_);  // the child reads EOF and exits.
    int status = 0;
    waitpid(pid_, &status, 0);
    kill(getpid(), SIGCONT);  // in case the child was killed mid-stop.
  }
  StopContinueChild(const StopContinueChild&) = delete;
  StopContinueChild& operator=(const StopContinueChild&) = delete;

 private:
  [[noreturn]] static void RunChild(pid_t parent, int done_fd, long stop_us,
                                    long max_run_us) {
    uint32_t rng = 12345;
    for (;;) {
      char c;
      if (read(done_fd, &c, 1) != -1 || errno != EAGAIN) _exit(0);
      if (getppid() != parent) _exit(0);
      rng = rng * 1664525u + 1013904223u;
      SleepMicros(static_cast<long>(rng >> 8) % max_run_us);
      kill(parent, SIGSTOP);
      SleepMicros(stop_us);
      kill(parent, SIGCONT);
    }
  }
  pid_t pid_ = -1;
  int done_fd_ = -1;
};

// Exits the process with a failure message when `progress` stays unchanged
// for `stall_seconds` (a hung Parallelize cannot be unwound or joined).
class Watchdog {
 public:
  Watchdog(const std::atomic<uint64_t>* progress,
           const std::atomic<const char*>* where, double stall_seconds)
      : thread_([=] { Watch(progress, where, stall_seconds); }) {}
  ~Watchdog() {
    stop_.store(true);
    thread_.join();
  }

 private:
  void Watch(const std::atomic<uint64_t>* progress,
             const std::atomic<const char*>* where, double stall_seconds) {
    uint64_t last = progress->load();
    Clock::time_point since = Clock::now();
    while (!stop_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const uint64_t now = progress->load();
      if (now != last) {
        last = now;
        since = Clock::now();
      } else if (std::chrono::duration<double>(Clock::now() - since).count() >
                 stall_seconds) {
        std::fprintf(stderr,
                     "thread_pool_stress_test: HANG: no loop finished for "
                     "%.0f s (%s, %llu loops done)\n",
                     stall_seconds, where->load(),
                     static_cast<unsigned long long>(now));
        std::fflush(stderr);
        std::_Exit(3);
      }
    }
  }
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// One loop's items: each counts its hits; item `slow` busy-waits
// `slow_us` (around the pool's spin time, so the caller and the workers reach
// their sleep paths while it finishes), item `yield` yields the CPU.
struct Loop {
  std::vector<std::atomic<int>> hits;
  size_t slow = 0, yield = 0;
  int64_t slow_us = 0;
  explicit Loop(size_t n) : hits(n) {}
  static void Task(void* ctx, size_t i) {
    Loop& l = *static_cast<Loop*>(ctx);
    if (i == l.slow && l.slow_us > 0) {
      const Clock::time_point end =
          Clock::now() + std::chrono::microseconds(l.slow_us);
      while (Clock::now() < end) {
      }
    }
    if (i == l.yield) std::this_thread::yield();
    l.hits[i].fetch_add(1, std::memory_order_relaxed);
  }
};

struct Config {
  size_t threads;
  int callers;
};

// Runs loops on `pool` from `callers` threads for `seconds`; returns the
// number of items not run exactly once.
size_t Hammer(eb::ThreadPool* pool, int callers, double seconds,
              std::atomic<uint64_t>* progress) {
  std::atomic<size_t> wrong{0};
  std::vector<std::thread> threads;
  const Clock::time_point end =
      Clock::now() + std::chrono::microseconds(int64_t(seconds * 1e6));
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&, c] {
      std::minstd_rand rng(1000 + c);
      while (Clock::now() < end) {
        Loop loop(1 + rng() % 8);
        loop.slow = rng() % loop.hits.size();
        loop.yield = rng() % loop.hits.size();
        loop.slow_us = rng() % 3 == 0
                           ? 0
                           : int64_t(rng() % (2 * eb::ThreadPool::kSpinMicros));
        pool->Parallelize(&Loop::Task, &loop, loop.hits.size());
        for (auto& h : loop.hits) wrong += h.load() != 1;
        progress->fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return wrong.load();
}

std::vector<Config> Configs() {
  const size_t cpus = eb::ThreadPool::OnlineCpus();
  // 2 spins (when the machine has 2+ CPUs); cpus + 1 and 2 * cpus + 1 never
  // spin and wake at most cpus - 1 workers per loop.
  return {{2, 1}, {cpus + 1, 1}, {2 * cpus + 1, 1}, {2, 3}, {cpus + 1, 3}};
}

void RunConfigs(bool stop_continue) {
  const double seconds = eb::testing::Emulated() ? 6.0 : 2.0;
  std::atomic<uint64_t> progress{0};
  std::vector<std::string> labels;
  for (const Config& c : Configs()) {
    labels.push_back(std::to_string(c.threads) + " threads, " +
                     std::to_string(c.callers) + " callers" +
                     (stop_continue ? ", stopped and continued" : ""));
  }
  std::atomic<const char*> where{"starting"};
  Watchdog watchdog(&progress, &where, /*stall_seconds=*/60.0);
  std::unique_ptr<StopContinueChild> child;
  if (stop_continue) {
    child = std::make_unique<StopContinueChild>(/*stop_us=*/2000,
                                                /*max_run_us=*/20000);
  }
  const std::vector<Config> configs = Configs();
  for (size_t i = 0; i < configs.size(); ++i) {
    const Config& c = configs[i];
    auto pool = eb::ThreadPool::Create(c.threads);
    REQUIRE_MESSAGE(pool.ok(), pool.status().ToString());
    where.store(labels[i].c_str());
    const uint64_t before = progress.load();
    const size_t wrong =
        Hammer(pool.value().get(), c.callers, seconds, &progress);
    INFO(labels[i]);
    CHECK(wrong == 0);
    MESSAGE(labels[i], ": ", progress.load() - before, " loops in ", seconds,
            " s");
    CHECK(progress.load() > before);
  }
}

}  // namespace

TEST_CASE("many short loops: every item once, no lost wake-up") {
  RunConfigs(/*stop_continue=*/false);
}

TEST_CASE("the process stopped and continued at random instants") {
  RunConfigs(/*stop_continue=*/true);
}
