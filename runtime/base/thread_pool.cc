#include "runtime/base/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <system_error>

namespace edgebert {
namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield" ::: "memory");
#endif
}

inline uint32_t EpochOf(uint64_t state) {
  return static_cast<uint32_t>(state >> 32);
}
inline uint32_t UnclaimedOf(uint64_t state) {
  return static_cast<uint32_t>(state);
}

}  // namespace

template <class Pred>
bool ThreadPool::SpinUntil(Pred done) const {
  using Clock = std::chrono::steady_clock;
  if (spin_micros_ == 0) return done();
  const Clock::time_point end =
      Clock::now() + std::chrono::microseconds(spin_micros_);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      CpuRelax();
    }
    if (Clock::now() >= end) return done();
  }
}

size_t ThreadPool::OnlineCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<size_t>(n);
  }
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 1;
}

StatusOr<std::unique_ptr<ThreadPool>> ThreadPool::Create(size_t threads) {
  if (threads == 0) threads = OnlineCpus();
  if (threads > kMaxThreads) {
    return InvalidArgument("thread count " + std::to_string(threads) +
                           " exceeds the maximum of " +
                           std::to_string(kMaxThreads));
  }
  std::unique_ptr<ThreadPool> pool(new ThreadPool());
  const size_t cpus = OnlineCpus();
  pool->spin_micros_ = threads <= cpus ? kSpinMicros : 0;
  pool->max_wake_ = std::min(threads, cpus) - 1;
  pool->workers_.reserve(threads - 1);
  for (size_t i = 1; i < threads; ++i) {
    try {
      pool->workers_.emplace_back(&ThreadPool::WorkerLoop, pool.get());
    } catch (const std::system_error& e) {
      return ResourceExhausted("cannot start worker thread " +
                               std::to_string(i) + " of " +
                               std::to_string(threads) + ": " + e.what());
    }
  }
  return pool;
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true, std::memory_order_release);
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

bool ThreadPool::Claim(uint32_t epoch, size_t* item) {
  uint64_t s = state_.load(std::memory_order_acquire);
  while (EpochOf(s) == epoch && UnclaimedOf(s) > 0) {
    if (state_.compare_exchange_weak(s, s - 1, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      *item = UnclaimedOf(s) - 1;
      return true;
    }
  }
  return false;
}

void ThreadPool::RunItems(uint32_t epoch, bool caller) {
  size_t item;
  while (Claim(epoch, &item)) {
    task_(ctx_, item);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1 && !caller) {
      // The caller may be deciding to sleep: it re-checks pending_ under mu_,
      // so after this lock it either saw 0 or is waiting on done_cv_.
      { std::lock_guard<std::mutex> lock(mu_); }
      done_cv_.notify_one();
    }
  }
}

uint32_t ThreadPool::WaitForLoop(uint32_t seen) {
  auto changed = [&] {
    return EpochOf(state_.load(std::memory_order_acquire)) != seen ||
           stop_.load(std::memory_order_acquire);
  };
  if (!SpinUntil(changed)) {
    std::unique_lock<std::mutex> lock(mu_);
    ++sleeping_workers_;
    work_cv_.wait(lock, changed);
    --sleeping_workers_;
  }
  return EpochOf(state_.load(std::memory_order_acquire));
}

void ThreadPool::WorkerLoop() {
  uint32_t seen = 0;
  for (;;) {
    seen = WaitForLoop(seen);
    if (stop_.load()) return;
    RunItems(seen, /*caller=*/false);
  }
}

void ThreadPool::WaitForPending() {
  auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (SpinUntil(done)) return;
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, done);
}

void ThreadPool::Parallelize(Task task, void* ctx, size_t n) {
  if (n == 0) return;
  if (workers_.empty() || n == 1) {
    for (size_t i = 0; i < n; ++i) task(ctx, i);
    return;
  }
  EB_CHECK(n <= UINT32_MAX);
  std::lock_guard<std::mutex> run(run_mu_);
  task_ = task;
  ctx_ = ctx;
  pending_.store(n, std::memory_order_relaxed);
  const uint32_t epoch = EpochOf(state_.load(std::memory_order_relaxed)) + 1;
  state_.store((static_cast<uint64_t>(epoch) << 32) | n,
               std::memory_order_release);
  // Workers count themselves and re-check the epoch under mu_: after this
  // lock each one either saw the new epoch or is waiting on work_cv_.
  int sleeping;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sleeping = sleeping_workers_;
  }
  const size_t wake = std::min(n - 1, max_wake_);
  if (sleeping > 0 && wake > 0) {
    if (wake >= static_cast<size_t>(sleeping)) {
      work_cv_.notify_all();
    } else {
      for (size_t i = 0; i < wake; ++i) work_cv_.notify_one();
    }
  }
  RunItems(epoch, /*caller=*/true);
  WaitForPending();
}

void ParallelFor(ThreadPool* pool, ThreadPool::Task task, void* ctx, size_t n) {
  if (pool != nullptr) {
    pool->Parallelize(task, ctx, n);
  } else {
    for (size_t i = 0; i < n; ++i) task(ctx, i);
  }
}

size_t PoolThreads(const ThreadPool* pool) {
  return pool == nullptr ? 1 : pool->threads();
}

}  // namespace edgebert
