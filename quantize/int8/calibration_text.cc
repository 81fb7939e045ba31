#include "quantize/int8/calibration_text.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "runtime/head/entities.h"

namespace edgebert {
namespace {

bool LooksLikeTag(const std::string& t) {
  if (t == "O") return true;
  if (t.size() < 3) return false;
  const char p = t[0];
  return (p == 'B' || p == 'I' || p == 'E' || p == 'S' || p == 'M') &&
         (t[1] == '-' || t[1] == '_');
}

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// The sentences of `path` if it parses as a BIO file whose every tag looks
// like one; false otherwise (then it is read as plain text).
bool ReadAsBio(const std::string& path, size_t max,
               std::vector<std::string>* sentences) {
  StatusOr<std::vector<BioSentence>> bio = ReadBioFile(path);
  if (!bio.ok()) return false;
  for (const BioSentence& s : *bio) {
    if (!std::all_of(s.tags.begin(), s.tags.end(), LooksLikeTag)) return false;
  }
  for (const BioSentence& s : *bio) {
    if (sentences->size() >= max) break;
    std::string joined;
    for (const std::string& c : s.chars) joined += c;
    sentences->push_back(std::move(joined));
  }
  return true;
}

}  // namespace

StatusOr<CalibrationText> ReadCalibrationText(const std::string& path,
                                              int limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFound("--calibration " + path + ": cannot open (" +
                    std::strerror(errno) + ")");
  }
  CalibrationText out;
  const size_t max = static_cast<size_t>(std::max(limit, 1));
  if (ReadAsBio(path, max, &out.sentences)) {
    out.format = "bio";
  } else {
    out.format = "text";
    std::string line;
    for (bool first = true; std::getline(in, line); first = false) {
      if (out.sentences.size() >= max) break;
      if (first && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
      const std::string t = Trim(line);
      if (!t.empty()) out.sentences.push_back(t);
    }
  }
  if (out.sentences.empty()) {
    return InvalidArgument("--calibration " + path +
                           ": holds no sentence (empty or blank lines only)");
  }
  return out;
}

}  // namespace edgebert
