#include "quantize/pickle.h"

#include <utf8proc.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <unordered_set>

namespace edgebert {

namespace {

// Names of opcodes that are refused, for the error message.
const char* RefusedName(uint8_t op) {
  switch (op) {
    case 'c':
      return "GLOBAL";
    case 0x93:
      return "STACK_GLOBAL";
    case 'R':
      return "REDUCE";
    case 'b':
      return "BUILD";
    case 'i':
      return "INST";
    case 'o':
      return "OBJ";
    case 0x81:
      return "NEWOBJ";
    case 0x92:
      return "NEWOBJ_EX";
    case 'P':
      return "PERSID";
    case 'Q':
      return "BINPERSID";
    case 0x82:
    case 0x83:
    case 0x84:
      return "EXT";
    case ')':
      return "EMPTY_TUPLE";
    case 't':
      return "TUPLE";
    case 0x85:
    case 0x86:
    case 0x87:
      return "TUPLE1/2/3";
    case ']':
      return "EMPTY_LIST";
    case 'l':
      return "LIST";
    case 'a':
      return "APPEND";
    case 'e':
      return "APPENDS";
    case 'N':
      return "NONE";
    case 0x88:
      return "NEWTRUE";
    case 0x89:
      return "NEWFALSE";
    case 'F':
      return "FLOAT";
    case 'G':
      return "BINFLOAT";
    case 'B':
      return "BINBYTES";
    case 'C':
      return "SHORT_BINBYTES";
    case 0x8e:
      return "BINBYTES8";
    case 0x96:
      return "BYTEARRAY8";
    case 0x8f:
      return "EMPTY_SET";
    case 0x90:
      return "ADDITEMS";
    case 0x91:
      return "FROZENSET";
    case '0':
      return "POP";
    case '1':
      return "POP_MARK";
    case '2':
      return "DUP";
    case 0x97:
      return "NEXT_BUFFER";
    case 0x98:
      return "READONLY_BUFFER";
    default:
      return "unknown";
  }
}

struct Value {
  enum Kind { kMark, kStr, kInt, kDict } kind = kMark;
  std::shared_ptr<const std::string> str;
  int64_t num = 0;
  size_t dict = 0;  // index into Parser::dicts_
};

using Dict = std::vector<std::pair<std::string, int64_t>>;

class Parser {
 public:
  Parser(std::string_view b, const std::string& what) : b_(b), what_(what) {}
  StatusOr<Dict> Run();

 private:
  Status Err(size_t at, const std::string& why) const {
    return InvalidArgument(what_ + ": pickle byte " + std::to_string(at) +
                           ": " + why);
  }
  Status Take(size_t n, std::string_view* out);
  Status TakeUint(size_t n, uint64_t* v);
  Status TakeLine(std::string_view* line);
  Status Step(uint8_t op, size_t at, bool* stop);
  Status StringOp(uint8_t op, size_t at);
  Status IntOp(uint8_t op, size_t at);
  Status MemoOp(uint8_t op, size_t at);
  Status DictOp(uint8_t op, size_t at);
  Status PushUtf8(std::string s, size_t at);
  Status Pop(size_t at, Value* v);
  Status PopToMark(size_t at, std::vector<Value>* items);
  Status SetItems(size_t dict, const std::vector<Value>& kv, size_t at);

  std::string_view b_;
  const std::string& what_;
  size_t pos_ = 0;
  std::vector<Value> stack_;
  std::map<uint64_t, Value> memo_;
  std::vector<Dict> dicts_;
  std::vector<std::unordered_set<std::string>> keys_;
};

Status Parser::Take(size_t n, std::string_view* out) {
  if (n > b_.size() - pos_) {
    return Err(pos_, "needs " + std::to_string(n) + " bytes, " +
                         std::to_string(b_.size() - pos_) + " left");
  }
  *out = b_.substr(pos_, n);
  pos_ += n;
  return Status::Ok();
}

Status Parser::TakeUint(size_t n, uint64_t* v) {
  std::string_view s;
  EB_RETURN_IF_ERROR(Take(n, &s));
  *v = 0;
  for (size_t i = 0; i < n; ++i) *v |= uint64_t(uint8_t(s[i])) << (8 * i);
  return Status::Ok();
}

Status Parser::TakeLine(std::string_view* line) {
  const size_t nl = b_.find('\n', pos_);
  if (nl == std::string_view::npos) return Err(pos_, "line without '\\n'");
  *line = b_.substr(pos_, nl - pos_);
  pos_ = nl + 1;
  return Status::Ok();
}

Status Parser::Pop(size_t at, Value* v) {
  if (stack_.empty() || stack_.back().kind == Value::kMark) {
    return Err(at, "stack underflow");
  }
  *v = std::move(stack_.back());
  stack_.pop_back();
  return Status::Ok();
}

Status Parser::PopToMark(size_t at, std::vector<Value>* items) {
  size_t m = stack_.size();
  while (m > 0 && stack_[m - 1].kind != Value::kMark) --m;
  if (m == 0) return Err(at, "no MARK on the stack");
  items->assign(std::make_move_iterator(stack_.begin() + m),
                std::make_move_iterator(stack_.end()));
  stack_.resize(m - 1);
  return Status::Ok();
}

Status Parser::PushUtf8(std::string s, size_t at) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  for (size_t i = 0; i < s.size();) {
    utf8proc_int32_t cp;
    const utf8proc_ssize_t n = utf8proc_iterate(p + i, s.size() - i, &cp);
    if (n <= 0) return Err(at, "string is not valid UTF-8");
    i += static_cast<size_t>(n);
  }
  Value v;
  v.kind = Value::kStr;
  v.str = std::make_shared<const std::string>(std::move(s));
  stack_.push_back(std::move(v));
  return Status::Ok();
}

Status Parser::SetItems(size_t dict, const std::vector<Value>& kv, size_t at) {
  if (kv.size() % 2 != 0) return Err(at, "odd number of SETITEMS values");
  for (size_t i = 0; i < kv.size(); i += 2) {
    if (kv[i].kind != Value::kStr) return Err(at, "a dict key is not a str");
    if (kv[i + 1].kind != Value::kInt) {
      return Err(at, "the value of key '" + *kv[i].str + "' is not an int");
    }
    if (!keys_[dict].insert(*kv[i].str).second) {
      return Err(at, "key '" + *kv[i].str + "' is set twice");
    }
    dicts_[dict].emplace_back(*kv[i].str, kv[i + 1].num);
  }
  return Status::Ok();
}

Status Parser::DictOp(uint8_t op, size_t at) {
  std::vector<Value> items;
  if (op == '}' || op == 'd') {
    if (op == 'd') EB_RETURN_IF_ERROR(PopToMark(at, &items));
    dicts_.emplace_back();
    keys_.emplace_back();
    Value v;
    v.kind = Value::kDict;
    v.dict = dicts_.size() - 1;
    stack_.push_back(v);
    return SetItems(v.dict, items, at);
  }
  if (op == 's') {
    items.resize(2);
    EB_RETURN_IF_ERROR(Pop(at, &items[1]));
    EB_RETURN_IF_ERROR(Pop(at, &items[0]));
  } else {  // 'u' SETITEMS
    EB_RETURN_IF_ERROR(PopToMark(at, &items));
  }
  if (stack_.empty() || stack_.back().kind != Value::kDict) {
    return Err(at, "SETITEM(S) without a dict below its items");
  }
  return SetItems(stack_.back().dict, items, at);
}

// Python repr of a byte string ('...' or "..."), protocol 0 STRING.
Status UnquoteRepr(std::string_view s, std::string* out) {
  if (s.size() < 2 || (s[0] != '\'' && s[0] != '"') || s.back() != s[0]) {
    return InvalidArgument("STRING argument is not quoted");
  }
  s = s.substr(1, s.size() - 2);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      *out += s[i];
      continue;
    }
    if (++i >= s.size()) return InvalidArgument("STRING ends in '\\'");
    const char c = s[i];
    const char* simple = std::strchr("\\'\"ntr", c);
    if (simple != nullptr && c != '\0') {
      *out += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
    } else if (c == 'x' && i + 2 < s.size() &&
               std::isxdigit(uint8_t(s[i + 1])) &&
               std::isxdigit(uint8_t(s[i + 2]))) {
      *out += char(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      return InvalidArgument(std::string("STRING has escape '\\") + c + "'");
    }
  }
  return Status::Ok();
}

// raw-unicode-escape (protocol 0 UNICODE): bytes are Latin-1 code points,
// \uXXXX and \UXXXXXXXX escapes; result UTF-8.
Status DecodeRawUnicodeEscape(std::string_view s, std::string* out) {
  for (size_t i = 0; i < s.size(); ++i) {
    int32_t cp = uint8_t(s[i]);
    size_t hex = 0;
    if (s[i] == '\\' && i + 1 < s.size()) {
      hex = s[i + 1] == 'u' ? 4 : s[i + 1] == 'U' ? 8 : 0;
    }
    if (hex != 0) {
      if (i + 2 + hex > s.size()) return InvalidArgument("short \\u escape");
      cp = 0;
      for (size_t k = 0; k < hex; ++k) {
        const char h = s[i + 2 + k];
        if (!std::isxdigit(uint8_t(h))) return InvalidArgument("bad \\u");
        cp = cp * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        if (cp > 0x10ffff) return InvalidArgument("code point > U+10FFFF");
      }
      i += 1 + hex;
    }
    utf8proc_uint8_t buf[4];
    if (!utf8proc_codepoint_valid(cp)) return InvalidArgument("surrogate");
    out->append(reinterpret_cast<char*>(buf), utf8proc_encode_char(cp, buf));
  }
  return Status::Ok();
}

Status Parser::StringOp(uint8_t op, size_t at) {
  std::string_view s;
  std::string decoded;
  uint64_t n = 0;
  Status st;
  switch (op) {
    case 'S':
    case 'V':
      EB_RETURN_IF_ERROR(TakeLine(&s));
      st = op == 'S' ? UnquoteRepr(s, &decoded)
                     : DecodeRawUnicodeEscape(s, &decoded);
      if (!st.ok()) return Err(at, st.message());
      return PushUtf8(std::move(decoded), at);
    case 'U':
    case 0x8c:
      EB_RETURN_IF_ERROR(TakeUint(1, &n));
      break;
    case 'T':
    case 'X':
      EB_RETURN_IF_ERROR(TakeUint(4, &n));
      if (op == 'T' && n > 0x7fffffffu) return Err(at, "negative length");
      break;
    default:  // 0x8d BINUNICODE8
      EB_RETURN_IF_ERROR(TakeUint(8, &n));
      break;
  }
  if (n > b_.size()) return Err(at, "length past the end");
  EB_RETURN_IF_ERROR(Take(static_cast<size_t>(n), &s));
  return PushUtf8(std::string(s), at);
}

Status ParseDecimal(std::string_view s, int64_t* v) {
  if (!s.empty() && s.back() == 'L') s.remove_suffix(1);
  const bool neg = !s.empty() && s[0] == '-';
  if (neg || (!s.empty() && s[0] == '+')) s.remove_prefix(1);
  if (s.empty() || s.size() > 19) return InvalidArgument("bad integer");
  uint64_t u = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return InvalidArgument("bad integer");
    u = u * 10 + uint64_t(c - '0');
  }
  if (u > uint64_t(INT64_MAX)) return InvalidArgument("integer overflows");
  *v = neg ? -int64_t(u) : int64_t(u);
  return Status::Ok();
}

Status Parser::IntOp(uint8_t op, size_t at) {
  Value v;
  v.kind = Value::kInt;
  uint64_t u = 0;
  std::string_view s;
  if (op == 'I' || op == 'L') {
    EB_RETURN_IF_ERROR(TakeLine(&s));
    const Status st = ParseDecimal(s, &v.num);
    if (!st.ok()) return Err(at, st.message() + " '" + std::string(s) + "'");
  } else if (op == 'J') {
    EB_RETURN_IF_ERROR(TakeUint(4, &u));
    v.num = int32_t(uint32_t(u));
  } else if (op == 'K' || op == 'M') {
    EB_RETURN_IF_ERROR(TakeUint(op == 'K' ? 1 : 2, &u));
    v.num = int64_t(u);
  } else {  // LONG1 / LONG4: little-endian two's complement
    uint64_t n = 0;
    EB_RETURN_IF_ERROR(TakeUint(op == 0x8a ? 1 : 4, &n));
    if (n > 8) return Err(at, "integer of " + std::to_string(n) + " bytes");
    EB_RETURN_IF_ERROR(TakeUint(size_t(n), &u));
    if (n > 0 && n < 8 && ((u >> (8 * n - 1)) & 1))
      u |= ~uint64_t{0} << (8 * n);
    v.num = int64_t(u);
  }
  stack_.push_back(v);
  return Status::Ok();
}

Status Parser::MemoOp(uint8_t op, size_t at) {
  uint64_t key = 0;
  std::string_view s;
  if (op == 'p' || op == 'g') {
    EB_RETURN_IF_ERROR(TakeLine(&s));
    int64_t k = 0;
    if (!ParseDecimal(s, &k).ok() || k < 0) return Err(at, "bad memo key");
    key = uint64_t(k);
  } else if (op == 'q' || op == 'h') {
    EB_RETURN_IF_ERROR(TakeUint(1, &key));
  } else if (op == 'r' || op == 'j') {
    EB_RETURN_IF_ERROR(TakeUint(4, &key));
  } else {  // 0x94 MEMOIZE
    key = memo_.size();
  }
  if (op == 'g' || op == 'h' || op == 'j') {
    auto it = memo_.find(key);
    if (it == memo_.end()) {
      return Err(at, "memo key " + std::to_string(key) + " was never PUT");
    }
    stack_.push_back(it->second);
    return Status::Ok();
  }
  if (stack_.empty() || stack_.back().kind == Value::kMark) {
    return Err(at, "PUT with nothing on the stack");
  }
  memo_[key] = stack_.back();
  return Status::Ok();
}

Status Parser::Step(uint8_t op, size_t at, bool* stop) {
  uint64_t n = 0;
  switch (op) {
    case 0x80:  // PROTO
      EB_RETURN_IF_ERROR(TakeUint(1, &n));
      if (n > 5) return Err(at, "protocol " + std::to_string(n) + " > 5");
      return Status::Ok();
    case 0x95:  // FRAME: a length hint only
      EB_RETURN_IF_ERROR(TakeUint(8, &n));
      if (n > b_.size() - pos_) return Err(at, "FRAME longer than the data");
      return Status::Ok();
    case '(':
      stack_.emplace_back();
      return Status::Ok();
    case '.':
      *stop = true;
      return Status::Ok();
    case '}':
    case 'd':
    case 's':
    case 'u':
      return DictOp(op, at);
    case 'S':
    case 'V':
    case 'U':
    case 'T':
    case 'X':
    case 0x8c:
    case 0x8d:
      return StringOp(op, at);
    case 'I':
    case 'L':
    case 'J':
    case 'K':
    case 'M':
    case 0x8a:
    case 0x8b:
      return IntOp(op, at);
    case 'p':
    case 'g':
    case 'q':
    case 'h':
    case 'r':
    case 'j':
    case 0x94:
      return MemoOp(op, at);
    default: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "opcode 0x%02x", op);
      return Err(at, std::string(buf) + " (" + RefusedName(op) +
                         ") is not allowed: a label map is a dict of str -> "
                         "int, and pickles are never executed");
    }
  }
}

StatusOr<Dict> Parser::Run() {
  bool stop = false;
  while (!stop) {
    if (pos_ >= b_.size()) return Err(pos_, "data ends before STOP");
    const size_t at = pos_++;
    EB_RETURN_IF_ERROR(Step(uint8_t(b_[at]), at, &stop));
  }
  Value top;
  EB_RETURN_IF_ERROR(Pop(pos_ - 1, &top));
  if (top.kind != Value::kDict) {
    return Err(pos_ - 1, "the pickled object is not a dict");
  }
  return std::move(dicts_[top.dict]);
}

}  // namespace

StatusOr<std::vector<std::pair<std::string, int64_t>>> ParseStrIntDictPickle(
    std::string_view bytes, const std::string& what) {
  return Parser(bytes, what).Run();
}

}  // namespace edgebert
