// Small file helpers shared by the checkpoint readers.
#ifndef EDGEBERT_QUANTIZE_READERS_FILE_UTIL_H_
#define EDGEBERT_QUANTIZE_READERS_FILE_UTIL_H_

#include <string>

#include <nlohmann/json.hpp>

#include "runtime/base/status.h"

namespace edgebert {

// True if `path` is an existing regular file.
bool FileExists(const std::string& path);
// The whole file; NotFound naming the path (and errno) if it cannot be read.
Status ReadText(const std::string& path, std::string* out);
// A JSON object; DataLoss naming the path if it is not one.
StatusOr<nlohmann::json> ReadJson(const std::string& path);
// realpath(p), or p itself if that fails.
std::string AbsolutePath(const std::string& p);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_FILE_UTIL_H_
