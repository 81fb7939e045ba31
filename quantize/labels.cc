#include "quantize/labels.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "quantize/pickle.h"

namespace edgebert {

namespace {

Status CheckWidth(size_t n, int64_t head_width, const std::string& what,
                  const std::string& detail) {
  if (head_width == kAnyHeadWidth || int64_t(n) == head_width) {
    return Status::Ok();
  }
  return FailedPrecondition(what + ": " + detail + " give " +
                            std::to_string(n) +
                            " labels (incl. padding id 0) but the "
                            "classifier head has " +
                            std::to_string(head_width) + " outputs");
}

// label2id.json: {"B-LOC": 1, ...} or {"1": "B-LOC", ...}.
Status JsonPairs(const std::string& text, const std::string& what,
                 std::vector<std::pair<std::string, int64_t>>* out) {
  std::set<std::string> seen;
  std::string dup;
  auto cb = [&](int depth, nlohmann::json::parse_event_t ev,
                nlohmann::json& j) {
    if (depth == 1 && ev == nlohmann::json::parse_event_t::key &&
        !seen.insert(j.get<std::string>()).second) {
      dup = j.get<std::string>();
    }
    return true;
  };
  const nlohmann::json j = nlohmann::json::parse(text, cb, false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgument(what + ": not a JSON object");
  }
  if (!dup.empty()) return InvalidArgument(what + ": key '" + dup + "' twice");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_number_integer()) {
      out->emplace_back(it.key(), it.value().get<int64_t>());
      continue;
    }
    size_t used = 0;
    int64_t id = -1;
    try {
      id = std::stoll(it.key(), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (!it.value().is_string() || used != it.key().size()) {
      return InvalidArgument(what + ": entry '" + it.key() +
                             "' is neither label -> integer id nor "
                             "decimal id -> label");
    }
    out->emplace_back(it.value().get<std::string>(), id);
  }
  return Status::Ok();
}

Status ReadText(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("label map " + path + " cannot be opened");
  out->assign(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) return DataLoss("label map " + path + ": read failed");
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<std::string>> LabelsFromIds(
    const std::vector<std::pair<std::string, int64_t>>& label2id,
    int64_t head_width, const std::string& what) {
  std::map<int64_t, std::string> by_id;
  std::set<std::string> names;
  for (const auto& [label, id] : label2id) {
    if (label.empty()) return InvalidArgument(what + ": an empty label");
    if (id < 0) {
      return InvalidArgument(what + ": label '" + label + "' has id " +
                             std::to_string(id) + " < 0");
    }
    if (!names.insert(label).second) {
      return InvalidArgument(what + ": label '" + label + "' appears twice");
    }
    auto [it, fresh] = by_id.emplace(id, label);
    if (!fresh) {
      return InvalidArgument(what + ": labels '" + it->second + "' and '" +
                             label + "' share id " + std::to_string(id));
    }
  }
  if (by_id.empty()) return InvalidArgument(what + ": no labels");
  const int64_t max_id = by_id.rbegin()->first;
  if (head_width != kAnyHeadWidth && max_id >= head_width) {
    return FailedPrecondition(what + ": label '" + by_id.rbegin()->second +
                              "' has id " + std::to_string(max_id) +
                              " but the classifier head has " +
                              std::to_string(head_width) + " outputs");
  }
  std::vector<std::string> labels;
  for (int64_t id = 0; id <= max_id; ++id) {
    auto it = by_id.find(id);
    if (it != by_id.end()) {
      labels.push_back(it->second);
    } else if (id == 0) {
      labels.push_back(kPaddingLabel);
    } else {
      return InvalidArgument(what + ": no label has id " + std::to_string(id) +
                             " (ids must run 1.." + std::to_string(max_id) +
                             " without gaps)");
    }
  }
  EB_RETURN_IF_ERROR(CheckWidth(labels.size(), head_width, what,
                                "ids 0.." + std::to_string(max_id)));
  return labels;
}

StatusOr<std::vector<std::string>> LabelsFromLines(const std::string& text,
                                                   int64_t head_width,
                                                   const std::string& what) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  const bool one_based =
      head_width != kAnyHeadWidth && int64_t(lines.size()) + 1 == head_width;
  std::vector<std::pair<std::string, int64_t>> pairs;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return InvalidArgument(what + ": line " + std::to_string(i + 1) +
                             " is empty (one label per line, in id order)");
    }
    pairs.emplace_back(lines[i], int64_t(i) + (one_based ? 1 : 0));
  }
  return LabelsFromIds(pairs, head_width, what);
}

StatusOr<std::string> FindLabelMap(const std::string& dir) {
  std::string tried;
  for (const char* name : kLabelMapNames) {
    const std::filesystem::path p = std::filesystem::path(dir) / name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return p.string();
    tried += tried.empty() ? name : std::string(", ") + name;
  }
  return NotFound(dir + " has no label map (looked for " + tried + ")");
}

StatusOr<std::vector<std::string>> ReadLabelMap(const std::string& path,
                                                int64_t head_width) {
  std::string text;
  EB_RETURN_IF_ERROR(ReadText(path, &text));
  const std::string ext = std::filesystem::path(path).extension().string();
  std::vector<std::pair<std::string, int64_t>> pairs;
  if (ext == ".pkl" || ext == ".pickle") {
    auto items = ParseStrIntDictPickle(text, path);
    if (!items.ok()) return items.status();
    pairs = std::move(items.value());
  } else if (ext == ".json") {
    EB_RETURN_IF_ERROR(JsonPairs(text, path, &pairs));
  } else {
    return LabelsFromLines(text, head_width, path);
  }
  return LabelsFromIds(pairs, head_width, path);
}

}  // namespace edgebert
