// Progress of a converter stage on stderr: a \r-updated bar on a TTY, else
// a line per 10%.
#ifndef EDGEBERT_QUANTIZE_INT8_PROGRESS_H_
#define EDGEBERT_QUANTIZE_INT8_PROGRESS_H_

#include <cstddef>
#include <string>

namespace edgebert {

class Progress {
 public:
  // Disabled (silent) unless `enabled` and total > 0.
  Progress(bool enabled, std::string label, size_t total);
  // Reports `done` of total items.
  void Update(size_t done);

 private:
  bool enabled_, tty_;
  std::string label_;
  size_t total_;
  size_t last_decile_ = 0;
};

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_PROGRESS_H_
