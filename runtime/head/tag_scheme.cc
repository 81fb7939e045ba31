#include "runtime/head/tag_scheme.h"

#include "runtime/head/entities.h"

namespace edgebert {

TagScheme DetectTagScheme(const std::vector<std::string>& labels) {
  bool end_or_single = false;
  for (const std::string& l : labels) {
    if (ParseLabel(l).kind == LabelInfo::kOutside) continue;
    if (l[0] == 'M') return TagScheme::kBmes;
    end_or_single = end_or_single || l[0] == 'E' || l[0] == 'S' ||
                    l[0] == 'L' || l[0] == 'U';
  }
  return end_or_single ? TagScheme::kBioes : TagScheme::kBio;
}

const char* TagSchemeName(TagScheme s) {
  switch (s) {
    case TagScheme::kBioes:
      return "BIOES";
    case TagScheme::kBmes:
      return "BMES";
    case TagScheme::kBio:
      break;
  }
  return "BIO";
}

}  // namespace edgebert
