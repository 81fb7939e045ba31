// main() of every doctest suite. `--skip-exit-code=N` (ctest passes 77 to the
// *_shared entries, see tests/CMakeLists.txt): when nothing failed and a
// test case called testing::Skip(), exit N so ctest reports "Skipped"
// instead of a pass that did nothing. Removes the process's scratch
// directory (testing::ScratchDir) unless a test failed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "tests/test_env.h"

int main(int argc, char** argv) {
  constexpr const char kFlag[] = "--skip-exit-code=";
  int skip_exit_code = -1;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], kFlag, sizeof(kFlag) - 1) == 0) {
      skip_exit_code = std::atoi(argv[i] + sizeof(kFlag) - 1);
    } else {
      args.push_back(argv[i]);
    }
  }
  doctest::Context context(static_cast<int>(args.size()), args.data());
  const int result = context.run();
  edgebert::testing::FinishScratchDir(result == 0);
  if (context.shouldExit()) return result;
  if (result == 0 && skip_exit_code >= 0 &&
      edgebert::testing::SkippedTestCases() > 0) {
    return skip_exit_code;
  }
  return result;
}
