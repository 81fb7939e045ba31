#include "quantize/int8/progress.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace edgebert {

Progress::Progress(bool enabled, std::string label, size_t total)
    : enabled_(enabled && total > 0),
      tty_(isatty(2) == 1),
      label_(std::move(label)),
      total_(total) {}

void Progress::Update(size_t done) {
  if (!enabled_) return;
  if (tty_) {
    const int width = 30;
    const int fill = static_cast<int>(done * width / total_);
    std::string bar(fill, '#');
    bar.append(width - fill, '.');
    std::fprintf(stderr, "\r[%s] %s %zu/%zu", bar.c_str(), label_.c_str(), done,
                 total_);
    if (done == total_) std::fputc('\n', stderr);
    std::fflush(stderr);
  } else {
    const size_t decile = done * 10 / total_;
    if (decile > last_decile_ || done == total_) {
      last_decile_ = decile;
      std::fprintf(stderr, "%s %zu/%zu\n", label_.c_str(), done, total_);
    }
  }
}

}  // namespace edgebert
