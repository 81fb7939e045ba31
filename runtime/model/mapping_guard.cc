#include "runtime/model/mapping_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>

namespace edgebert {
namespace {

// Lock-free for the signal handler: a slot is live while begin != 0.
struct Slot {
  std::atomic<bool> used{false};
  std::atomic<uintptr_t> begin{0}, end{0};
  std::atomic<uintptr_t> fault_addr{0};
};
Slot g_slots[MappingGuard::kMaxGuards];
struct sigaction g_previous;
uintptr_t g_page = 4096;

void ChainToPrevious(int sig, siginfo_t* info, void* context) {
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction != nullptr) {
      g_previous.sa_sigaction(sig, info, context);
      return;
    }
  } else if (g_previous.sa_handler != SIG_DFL &&
             g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  // Default action: restore it; the faulting access repeats and kills us.
  signal(sig, SIG_DFL);
}

void OnSigbus(int sig, siginfo_t* info, void* context) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(info->si_addr);
  for (Slot& s : g_slots) {
    const uintptr_t b = s.begin.load(std::memory_order_acquire);
    const uintptr_t e = s.end.load(std::memory_order_acquire);
    if (b == 0 || a < b || a >= e) continue;
    uintptr_t expected = 0;
    s.fault_addr.compare_exchange_strong(expected, a);
    const uintptr_t page = a & ~(g_page - 1);
    // mmap is a plain system call on Linux: safe in a signal handler.
    void* r = mmap(reinterpret_cast<void*>(page), e - page, PROT_READ,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (r != MAP_FAILED) return;
    break;
  }
  ChainToPrevious(sig, info, context);
}

bool InstallHandler() {
  static const bool ok = [] {
    g_page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    struct sigaction sa = {};
    sa.sa_sigaction = OnSigbus;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGBUS, &sa, &g_previous) == 0;
  }();
  return ok;
}

}  // namespace

std::unique_ptr<MappingGuard> MappingGuard::Register(const uint8_t* base,
                                                     size_t size) {
  if (base == nullptr || size == 0 || !InstallHandler()) return nullptr;
  for (size_t i = 0; i < kMaxGuards; ++i) {
    bool expected = false;
    if (!g_slots[i].used.compare_exchange_strong(expected, true)) continue;
    const uintptr_t b = reinterpret_cast<uintptr_t>(base);
    g_slots[i].fault_addr.store(0);
    g_slots[i].end.store(b + size, std::memory_order_release);
    g_slots[i].begin.store(b, std::memory_order_release);
    return std::unique_ptr<MappingGuard>(new MappingGuard(i));
  }
  return nullptr;
}

MappingGuard::~MappingGuard() {
  Slot& s = g_slots[slot_];
  s.begin.store(0, std::memory_order_release);
  s.end.store(0, std::memory_order_release);
  s.used.store(false, std::memory_order_release);
}

bool MappingGuard::faulted() const {
  return g_slots[slot_].fault_addr.load(std::memory_order_relaxed) != 0;
}

size_t MappingGuard::fault_offset() const {
  const Slot& s = g_slots[slot_];
  const uintptr_t a = s.fault_addr.load(std::memory_order_relaxed);
  const uintptr_t b = s.begin.load(std::memory_order_relaxed);
  return a >= b ? a - b : 0;
}

}  // namespace edgebert
