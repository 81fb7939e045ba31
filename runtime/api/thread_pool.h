// The one place where the C API and the Python binding create and destroy
// the thread pools their taggers run on (Tagger::Create takes the pool).
#ifndef EDGEBERT_RUNTIME_API_THREAD_POOL_H_
#define EDGEBERT_RUNTIME_API_THREAD_POOL_H_

#include <cstddef>
#include <memory>

#include "runtime/base/thread_pool.h"

namespace edgebert {

using OwnedPool = std::unique_ptr<ThreadPool>;

// threads <= 1: no pool (null; the tagger runs on the calling thread).
// Null also when the OS refuses the threads; the tagger then runs serially.
inline OwnedPool MakePool(size_t threads) {
  if (threads <= 1) return nullptr;
  StatusOr<std::unique_ptr<ThreadPool>> pool = ThreadPool::Create(threads);
  return pool.ok() ? std::move(pool.value()) : nullptr;
}

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_API_THREAD_POOL_H_
