// Calibration sentences for the int8 path: a BIO file or plain text.
#ifndef EDGEBERT_QUANTIZE_INT8_CALIBRATION_TEXT_H_
#define EDGEBERT_QUANTIZE_INT8_CALIBRATION_TEXT_H_

#include <string>
#include <vector>

#include "runtime/base/status.h"

namespace edgebert {

struct CalibrationText {
  std::string format;                  // "bio" or "text"
  std::vector<std::string> sentences;  // at most `limit`, non-empty
};

// Reads a calibration file: BIO if every non-blank line has exactly two
// whitespace-separated fields and the second is a tag (O, or B-/I-/E-/S-/M-
// followed by a type), read by the runtime's ReadBioFile
// (runtime/head/entities.h): the characters of each sentence are joined
// without separator; otherwise one sentence per non-blank line (trimmed,
// "\r" dropped). Keeps the first `limit` sentences. NotFound if unreadable,
// InvalidArgument if it holds no sentence.
StatusOr<CalibrationText> ReadCalibrationText(const std::string& path,
                                              int limit);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_CALIBRATION_TEXT_H_
