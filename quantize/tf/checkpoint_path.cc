#include "quantize/tf/checkpoint_path.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <system_error>
#include <vector>

namespace edgebert::tf {

namespace fs = std::filesystem;

namespace {

bool HasIndex(const std::string& prefix) {
  std::error_code ec;
  return fs::is_regular_file(prefix + ".index", ec);
}

// The string value of `model_checkpoint_path: "..."` (C escapes \" and \\
// undone); empty if absent.
std::string ModelCheckpointPath(const std::string& checkpoint_file) {
  std::ifstream in(checkpoint_file);
  std::string line;
  const std::string key = "model_checkpoint_path:";
  while (std::getline(in, line)) {
    const size_t k = line.find(key);
    if (k != 0) continue;
    const size_t q = line.find('"', k + key.size());
    if (q == std::string::npos) continue;
    std::string value;
    for (size_t i = q + 1; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) ++i;
      value += line[i];
    }
    return value;
  }
  return "";
}

StatusOr<std::string> FromCheckpointFile(const fs::path& dir) {
  const fs::path file = dir / "checkpoint";
  const std::string named = ModelCheckpointPath(file.string());
  if (named.empty()) {
    return NotFound(file.string() +
                    " has no model_checkpoint_path: \"...\" line");
  }
  const fs::path p(named);
  const std::string in_dir = (dir / p.filename()).string();
  if (p.is_relative()) {
    const std::string full = (dir / p).string();
    if (HasIndex(full)) return full;
  } else if (HasIndex(named)) {
    return named;
  } else if (HasIndex(in_dir)) {
    return in_dir;
  }
  return NotFound(file.string() + " names checkpoint '" + named + "' but " +
                  (p.is_relative() ? (dir / p).string() : named) +
                  ".index does not exist");
}

StatusOr<std::string> FromFolder(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "checkpoint", ec)) return FromCheckpointFile(dir);
  std::vector<std::string> found;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".index" && e.is_regular_file(ec)) {
      found.push_back(e.path().string());
    }
  }
  if (found.size() == 1) return found[0].substr(0, found[0].size() - 6);
  return NotFound(dir.string() + " has no TF 'checkpoint' file and " +
                  std::to_string(found.size()) +
                  " *.index files (need exactly one; or pass the "
                  "checkpoint prefix, e.g. DIR/model.ckpt-1000)");
}

}  // namespace

StatusOr<std::string> ResolveTfPrefix(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return FromFolder(path);
  static const std::regex kSuffix(R"((.*)\.(index|data-\d{5}-of-\d{5}))");
  std::smatch m;
  if (std::regex_match(path, m, kSuffix) && HasIndex(m[1].str())) {
    return m[1].str();
  }
  if (HasIndex(path)) return path;
  return NotFound(path +
                  " is neither a folder nor a TF checkpoint prefix (no " +
                  path + ".index)");
}

bool LooksLikeTfCheckpoint(const std::string& path) {
  return ResolveTfPrefix(path).ok();
}

}  // namespace edgebert::tf
