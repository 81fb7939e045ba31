#include "runtime/head/entities.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <tuple>
#include <utility>

namespace edgebert {
namespace {

// Entity under construction while scanning words (or tags).
struct OpenSpan {
  bool open = false;
  bool close_after_word = false;  // set by E-x / S-x.
  const std::string* type = nullptr;
  uint32_t start = 0, end = 0;
  uint32_t start_byte = 0, end_byte = 0;
  double prob_sum = 0;
  uint32_t words = 0;
};

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool IsUtf8Lead(unsigned char c) { return (c & 0xC0) != 0x80; }

uint32_t CountCodePoints(const std::string& s) {
  uint32_t n = 0;
  for (unsigned char c : s) n += IsUtf8Lead(c) ? 1 : 0;
  return n;
}

}  // namespace

LabelInfo ParseLabel(std::string_view name) {
  LabelInfo info;
  if (name.size() < 3 || (name[1] != '-' && name[1] != '_')) return info;
  switch (name[0]) {
    case 'B':
      info.kind = LabelInfo::kBegin;
      break;
    case 'I':
    case 'M':
      info.kind = LabelInfo::kInside;
      break;
    case 'E':
    case 'L':  // BILOU "last"
      info.kind = LabelInfo::kEnd;
      break;
    case 'S':
    case 'U':  // BILOU "unit"
      info.kind = LabelInfo::kSingle;
      break;
    default:
      return info;
  }
  info.type.assign(name.substr(2));
  return info;
}

std::vector<Entity> DecodeEntities(std::string_view text,
                                   const std::vector<Token>& tokens,
                                   const std::vector<int32_t>& labels,
                                   const std::vector<float>& probs,
                                   const std::vector<LabelInfo>& label_info) {
  EB_CHECK(labels.size() == tokens.size());
  EB_CHECK(probs.size() == tokens.size());
  std::vector<Entity> out;
  OpenSpan cur;
  auto close = [&]() {
    if (!cur.open) return;
    EB_CHECK(cur.start_byte <= cur.end_byte && cur.end_byte <= text.size());
    Entity& e = out.emplace_back();
    e.entity_group = *cur.type;
    e.word.assign(text.substr(cur.start_byte, cur.end_byte - cur.start_byte));
    e.start = cur.start;
    e.end = cur.end;
    e.start_byte = cur.start_byte;
    e.end_byte = cur.end_byte;
    e.score = static_cast<float>(cur.prob_sum / cur.words);
    cur.open = false;
    cur.close_after_word = false;
  };
  // True while the current word belongs to the open entity, so that its
  // continuation pieces extend the span.
  bool word_in_entity = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    const bool new_word =
        i == 0 || !t.continuation || t.word != tokens[i - 1].word;
    if (!new_word) {
      if (word_in_entity) {
        cur.end = std::max(cur.end, t.end);
        cur.end_byte = std::max(cur.end_byte, t.end_byte);
      }
      continue;
    }
    if (cur.close_after_word) close();
    const int32_t id = labels[i];
    EB_CHECK(id >= 0 && static_cast<size_t>(id) < label_info.size());
    const LabelInfo& li = label_info[id];
    bool start_new = false;
    switch (li.kind) {
      case LabelInfo::kOutside:
        close();
        break;
      case LabelInfo::kBegin:
      case LabelInfo::kSingle:
        start_new = true;
        break;
      case LabelInfo::kInside:
      case LabelInfo::kEnd:
        start_new = !(cur.open && *cur.type == li.type);
        break;
    }
    if (li.kind == LabelInfo::kOutside) {
      word_in_entity = false;
      continue;
    }
    if (start_new) {
      close();
      cur.open = true;
      cur.type = &li.type;
      cur.start = t.start;
      cur.start_byte = t.start_byte;
      cur.end = t.end;
      cur.end_byte = t.end_byte;
      cur.prob_sum = 0;
      cur.words = 0;
    } else {
      cur.end = std::max(cur.end, t.end);
      cur.end_byte = std::max(cur.end_byte, t.end_byte);
    }
    cur.prob_sum += probs[i];
    ++cur.words;
    cur.close_after_word =
        li.kind == LabelInfo::kEnd || li.kind == LabelInfo::kSingle;
    word_in_entity = true;
  }
  close();
  return out;
}

std::vector<Window> PlanWindows(uint32_t n, uint32_t max_tokens,
                                uint32_t stride) {
  EB_CHECK(max_tokens >= 1);
  EB_CHECK(stride >= 1 && stride <= max_tokens);
  std::vector<Window> w;
  if (n == 0) return w;
  if (n <= max_tokens) {
    w.push_back({0, n});
    return w;
  }
  const uint32_t count = 1 + (n - max_tokens + stride - 1) / stride;
  w.reserve(count);
  for (uint32_t begin = 0;; begin += stride) {
    const uint32_t end = std::min<uint64_t>(uint64_t{begin} + max_tokens, n);
    w.push_back({begin, end});
    if (end == n) break;
  }
  EB_CHECK(w.size() == count);
  return w;
}

std::vector<uint32_t> AssignTokensToWindows(uint32_t n,
                                            const std::vector<Window>& w) {
  std::vector<uint32_t> owner(n);
  // Windows containing token i form a contiguous index range starting at
  // `first` (begins and ends are nondecreasing).
  size_t first = 0;
  for (uint32_t i = 0; i < n; ++i) {
    while (first < w.size() && w[first].end <= i) ++first;
    EB_CHECK(first < w.size() && w[first].begin <= i);
    uint32_t best = first;
    uint32_t best_dist = 0;
    bool have = false;
    for (size_t k = first; k < w.size() && w[k].begin <= i; ++k) {
      if (w[k].end <= i) continue;
      const uint32_t dist = std::min(i - w[k].begin, w[k].end - 1 - i);
      if (!have || dist > best_dist) {
        best = static_cast<uint32_t>(k);
        best_dist = dist;
        have = true;
      }
    }
    owner[i] = best;
  }
  return owner;
}

StatusOr<std::vector<BioSentence>> ReadBioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("BIO file '" + path + "' cannot be opened");
  std::string data((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (in.bad()) return NotFound("BIO file '" + path + "' cannot be read");
  size_t pos = 0;
  if (data.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;

  std::vector<BioSentence> out;
  BioSentence cur;
  uint64_t line_no = 0;
  while (pos < data.size()) {
    size_t eol = data.find('\n', pos);
    if (eol == std::string::npos) eol = data.size();
    std::string_view line(data.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Split into fields on runs of spaces / tabs.
    std::string_view fields[3];
    int nf = 0;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && IsBlank(line[i])) ++i;
      if (i == line.size()) break;
      size_t j = i;
      while (j < line.size() && !IsBlank(line[j])) ++j;
      if (nf < 3) fields[nf] = line.substr(i, j - i);
      ++nf;
      i = j;
    }
    if (nf == 0) {
      if (!cur.chars.empty()) out.push_back(std::move(cur));
      cur = BioSentence();
      continue;
    }
    if (nf != 2) {
      std::ostringstream msg;
      msg << "BIO file '" << path << "' line " << line_no << ": expected 2 "
          << "fields 'char TAG' separated by space or tab, got " << nf << ": '"
          << line << "'";
      return InvalidArgument(msg.str());
    }
    cur.chars.emplace_back(fields[0]);
    cur.tags.emplace_back(fields[1]);
  }
  if (!cur.chars.empty()) out.push_back(std::move(cur));
  return out;
}

bool SpanLabel::operator<(const SpanLabel& o) const {
  return std::tie(start, end, type) < std::tie(o.start, o.end, o.type);
}

bool SpanLabel::operator==(const SpanLabel& o) const {
  return start == o.start && end == o.end && type == o.type;
}

std::vector<SpanLabel> SpansFromTags(const std::vector<std::string>& tags) {
  std::vector<SpanLabel> out;
  bool open = false;
  bool close_after = false;
  for (uint32_t i = 0; i < tags.size(); ++i) {
    if (close_after) {
      open = false;
      close_after = false;
    }
    LabelInfo li = ParseLabel(tags[i]);
    if (li.kind == LabelInfo::kOutside) {
      open = false;
      continue;
    }
    const bool start_new = li.kind == LabelInfo::kBegin ||
                           li.kind == LabelInfo::kSingle || !open ||
                           out.back().type != li.type;
    if (start_new) {
      out.push_back({i, i + 1, std::move(li.type)});
      open = true;
    } else {
      out.back().end = i + 1;
    }
    close_after = li.kind == LabelInfo::kEnd || li.kind == LabelInfo::kSingle;
  }
  return out;
}

std::vector<std::string> CharTagsFromWordLabels(
    const std::vector<std::string>& chars, const std::vector<Token>& tokens,
    const std::vector<int32_t>& labels,
    const std::vector<LabelInfo>& label_info) {
  EB_CHECK(labels.size() == tokens.size());
  std::vector<std::string> tags(chars.size(), "O");
  // char_start[c] = code point offset of chars[c] in the joined text.
  std::vector<uint32_t> char_start(chars.size() + 1);
  for (size_t c = 0; c < chars.size(); ++c) {
    char_start[c + 1] = char_start[c] + CountCodePoints(chars[c]);
  }
  size_t c = 0;  // first char not yet passed (tokens are in text order).
  size_t i = 0;
  while (i < tokens.size()) {
    // Word = tokens [i, j).
    size_t j = i + 1;
    while (j < tokens.size() && tokens[j].continuation &&
           tokens[j].word == tokens[i].word) {
      ++j;
    }
    const int32_t id = labels[i];
    EB_CHECK(id >= 0 && static_cast<size_t>(id) < label_info.size());
    const LabelInfo& li = label_info[id];
    const uint32_t wstart = tokens[i].start;
    const uint32_t wend = tokens[j - 1].end;
    i = j;
    if (li.kind == LabelInfo::kOutside) continue;
    // Characters of the word: those overlapping [wstart, wend).
    while (c < chars.size() && char_start[c + 1] <= wstart) ++c;
    size_t first = c, last = c;
    while (last < chars.size() && char_start[last] < wend) ++last;
    if (first == last) continue;
    const size_t count = last - first;
    for (size_t k = first; k < last; ++k) {
      const size_t pos = k - first;
      char prefix = 'I';
      switch (li.kind) {
        case LabelInfo::kBegin:
          prefix = pos == 0 ? 'B' : 'I';
          break;
        case LabelInfo::kInside:
          prefix = 'I';
          break;
        case LabelInfo::kEnd:
          prefix = pos + 1 == count ? 'E' : 'I';
          break;
        case LabelInfo::kSingle:
          prefix = count == 1         ? 'S'
                   : pos == 0         ? 'B'
                   : pos + 1 == count ? 'E'
                                      : 'I';
          break;
        case LabelInfo::kOutside:
          break;
      }
      std::string& tag = tags[k];
      tag.assign(1, prefix);
      tag += '-';
      tag += li.type;
    }
  }
  return tags;
}

void PrfCounts::Add(const std::vector<SpanLabel>& gold_spans,
                    const std::vector<SpanLabel>& pred_spans) {
  gold += gold_spans.size();
  predicted += pred_spans.size();
  std::vector<SpanLabel> g = gold_spans, p = pred_spans;
  std::sort(g.begin(), g.end());
  std::sort(p.begin(), p.end());
  size_t a = 0, b = 0;
  while (a < g.size() && b < p.size()) {
    if (g[a] == p[b]) {
      ++correct;
      ++a;
      ++b;
    } else if (g[a] < p[b]) {
      ++a;
    } else {
      ++b;
    }
  }
}

double PrfCounts::precision() const {
  return predicted == 0 ? 0.0 : static_cast<double>(correct) / predicted;
}

double PrfCounts::recall() const {
  return gold == 0 ? 0.0 : static_cast<double>(correct) / gold;
}

double PrfCounts::f1() const {
  const double p = precision(), r = recall();
  return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}

}  // namespace edgebert
