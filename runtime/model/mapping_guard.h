// SIGBUS guard for read-only file mappings.
//
// Reading a page of a mapped file beyond its current end (the file was
// truncated, or rewritten in place, after mmap) raises SIGBUS in whichever
// thread touched it, e.g. a pool worker inside a GEMM. While a MappingGuard
// is registered for [base, base + size), a process-wide SIGBUS handler
// replaces the faulting page and the rest of that range with anonymous zero
// pages, records the fault and returns, so the access completes (reading
// zeros) and the thread continues. The owner polls faulted() and reports the
// results since the fault as invalid. Faults outside every guarded range go
// to the previously installed handler (default: the process dies).
//
// Thread safety: Register/destruction may race with faults on other ranges;
// up to kMaxGuards ranges at once (further ones are not guarded).
#ifndef EDGEBERT_RUNTIME_MODEL_MAPPING_GUARD_H_
#define EDGEBERT_RUNTIME_MODEL_MAPPING_GUARD_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace edgebert {

class MappingGuard {
 public:
  static constexpr size_t kMaxGuards = 64;

  // Null if kMaxGuards ranges are already guarded or the handler could not
  // be installed.
  static std::unique_ptr<MappingGuard> Register(const uint8_t* base,
                                                size_t size);
  ~MappingGuard();
  MappingGuard(const MappingGuard&) = delete;
  MappingGuard& operator=(const MappingGuard&) = delete;

  bool faulted() const;
  // Offset from base of the first faulting address (valid if faulted()).
  size_t fault_offset() const;

 private:
  explicit MappingGuard(size_t slot) : slot_(slot) {}
  size_t slot_;
};

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_MAPPING_GUARD_H_
