// ThreadPool: a fixed set of worker threads that run 1-D parallel loops
// together with the calling thread.
//
// Contract of Parallelize(task, ctx, n):
//  - runs task(ctx, i) exactly once for every i in [0, n), in any order, on
//    the caller and on any workers that are awake; returns when all n calls
//    have returned (their writes are then visible to the caller);
//  - items are claimed one at a time from a shared counter, so a worker that
//    is descheduled (a busy board, more threads than cores) never holds back
//    the loop: the caller and the running workers take its share, and a
//    worker that wakes after the last item was claimed does nothing;
//  - idle workers spin for kSpinMicros, then block on a condition variable:
//    back-to-back loops (the GEMMs of one forward pass) hand off without a
//    syscall, an idle pool costs no CPU;
//  - a pool with more threads than OnlineCpus() does not spin, and a loop
//    wakes at most OnlineCpus() - 1 sleeping workers: surplus threads would
//    only take CPU time from the ones doing the work;
//  - calls from several threads are serialized (one loop at a time); a task
//    must not call Parallelize on the same pool (it would deadlock).
// Built from std::thread, std::mutex, std::condition_variable and
// std::atomic only, so ThreadSanitizer sees every synchronization. Every
// decision to sleep or to wake a sleeper is taken under mu_: no wake-up
// depends on a store being ordered before a later load of another atomic
// (qemu-user on x86 hosts does not keep AArch64's stlr -> ldar order, which
// lost the caller's wake-up; tests/thread_pool_stress_test.cc).
#ifndef EDGEBERT_RUNTIME_BASE_THREAD_POOL_H_
#define EDGEBERT_RUNTIME_BASE_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/base/status.h"

namespace edgebert {

class ThreadPool {
 public:
  using Task = void (*)(void* ctx, size_t item);
  // How long an idle worker (or the caller waiting for the last items)
  // polls before it blocks: longer than the serial steps between the GEMMs
  // of a forward pass (LayerNorm, activation quantization: ~1-50 us), short
  // enough that a pool between requests gives its cores back at once.
  static constexpr int64_t kSpinMicros = 100;

  // `threads` counts the caller: 1 = no workers, 0 = OnlineCpus(). Fails
  // (InvalidArgument) above kMaxThreads, ResourceExhausted if the system
  // refuses a thread.
  static StatusOr<std::unique_ptr<ThreadPool>> Create(size_t threads);
  static constexpr size_t kMaxThreads = 1024;
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t threads() const { return workers_.size() + 1; }
  void Parallelize(Task task, void* ctx, size_t n);

  // CPUs this process may run on (its affinity mask), at least 1.
  static size_t OnlineCpus();

 private:
  ThreadPool() = default;
  void WorkerLoop();
  // Claims one unstarted item of loop `epoch`; false when none is left.
  bool Claim(uint32_t epoch, size_t* item);
  // Runs claimed items of loop `epoch` until none is left; a worker that
  // finishes the loop's last item wakes the caller.
  void RunItems(uint32_t epoch, bool caller);
  // Blocks until the epoch differs from `seen` or the pool stops.
  uint32_t WaitForLoop(uint32_t seen);
  void WaitForPending();
  // Polls `done` for spin_micros_; true as soon as it holds.
  template <class Pred>
  bool SpinUntil(Pred done) const;

  // (epoch << 32) | number of unclaimed items of the current loop.
  std::atomic<uint64_t> state_{0};
  // Items claimed but not finished plus items not claimed.
  std::atomic<size_t> pending_{0};
  // Written before the release store that publishes an epoch, read by a
  // worker only after it claimed an item of that epoch (acquire).
  Task task_ = nullptr;
  void* ctx_ = nullptr;

  std::mutex run_mu_;  // one Parallelize at a time.
  std::mutex mu_;      // guards sleeping on the two condition variables.
  std::condition_variable work_cv_, done_cv_;
  int sleeping_workers_ = 0;  // guarded by mu_.
  std::atomic<bool> stop_{false};
  int64_t spin_micros_ = kSpinMicros;
  size_t max_wake_ = 0;  // workers woken per loop at most.
  std::vector<std::thread> workers_;
};

// Runs task(ctx, i) for i in [0, n): on `pool`, or inline when it is null.
void ParallelFor(ThreadPool* pool, ThreadPool::Task task, void* ctx, size_t n);
// Threads of `pool` (1 when null).
size_t PoolThreads(const ThreadPool* pool);

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_BASE_THREAD_POOL_H_
