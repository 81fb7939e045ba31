// Helpers shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.cc).
#ifndef EDGEBERT_TESTS_FUZZ_FUZZ_UTIL_H_
#define EDGEBERT_TESTS_FUZZ_FUZZ_UTIL_H_

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

namespace edgebert::fuzz {

// A per-process scratch path in RAM when /dev/shm exists (the loaders take
// file names, so every input is written to a file first). What a harness
// leaves there (file or folder) is removed when the process exits normally;
// after a crash it stays (libFuzzer saves the input as an artifact anyway).
inline std::string ScratchPath(const std::string& name) {
  struct RemovedAtExit {
    std::vector<std::string> paths;
    ~RemovedAtExit() {
      std::error_code ec;
      for (const std::string& p : paths) std::filesystem::remove_all(p, ec);
    }
  };
  static RemovedAtExit scratch;
  const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  scratch.paths.push_back(std::string(base) + "/edgebert_fuzz_" +
                          std::to_string(getpid()) + "_" + name);
  return scratch.paths.back();
}

// A ScratchPath(name) folder holding copies of `files` from the source
// tree's tests/fixtures/<fixture> (a harness then writes the fuzzed file
// beside them). Throws std::filesystem_error if a copy fails: the harness
// cannot work without them.
inline std::string FixtureCopy(const std::string& name,
                               const std::string& fixture,
                               std::initializer_list<const char*> files) {
  namespace fs = std::filesystem;
  const std::string dir = ScratchPath(name);
  fs::create_directories(dir);
  const fs::path from =
      fs::path(EDGEBERT_SOURCE_DIR) / "tests/fixtures" / fixture;
  for (const char* f : files) {
    fs::copy_file(from / f, fs::path(dir) / f,
                  fs::copy_options::overwrite_existing);
  }
  return dir;
}

inline void WriteFile(const std::string& path, const uint8_t* data,
                      size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();  // the harness cannot work without it.
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
}

inline std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);) lines.push_back(l);
  return lines;
}

}  // namespace edgebert::fuzz

#endif  // EDGEBERT_TESTS_FUZZ_FUZZ_UTIL_H_
