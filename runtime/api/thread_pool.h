// The one place where the C API and the Python binding create and destroy
// the thread pools their taggers run on (Tagger::Create takes the pool).
#ifndef EDGEBERT_RUNTIME_API_THREAD_POOL_H_
#define EDGEBERT_RUNTIME_API_THREAD_POOL_H_

#include <pthreadpool.h>

#include <cstddef>
#include <memory>
#include <type_traits>

namespace edgebert {

struct PoolDeleter {
  void operator()(pthreadpool_t pool) const { pthreadpool_destroy(pool); }
};
using OwnedPool =
    std::unique_ptr<std::remove_pointer_t<pthreadpool_t>, PoolDeleter>;

// threads <= 1: no pool (null; the tagger runs on the calling thread).
// Null also when the OS refuses the threads; the tagger then runs serially.
inline OwnedPool MakePool(size_t threads) {
  return OwnedPool(threads > 1 ? pthreadpool_create(threads) : nullptr);
}

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_API_THREAD_POOL_H_
