// Reads a pickled dict of str -> int (what the TF BERT NER pipelines write
// as label2id.pkl), Python 2 and 3, pickle protocols 0-5, without executing
// anything.
//
// Only the opcodes such a dict uses are accepted: PROTO, FRAME, STOP, MARK,
// EMPTY_DICT, DICT, SETITEM, SETITEMS; strings STRING, BINSTRING,
// SHORT_BINSTRING (Python 2 str, taken as UTF-8), UNICODE, BINUNICODE,
// SHORT_BINUNICODE, BINUNICODE8; ints INT, LONG, BININT, BININT1, BININT2,
// LONG1, LONG4 (values must fit int64); memo PUT, BINPUT, LONG_BINPUT,
// MEMOIZE, GET, BINGET, LONG_BINGET. Any other opcode (GLOBAL, REDUCE,
// BUILD, ...) is refused with InvalidArgument naming the opcode and its byte
// offset. Malformed data, a non-UTF-8 string, a result that is not a dict
// of str -> int, or a key given twice -> InvalidArgument naming the offset.
#ifndef EDGEBERT_QUANTIZE_PICKLE_H_
#define EDGEBERT_QUANTIZE_PICKLE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/base/status.h"

namespace edgebert {

// Items in insertion order. `what` names the source in errors.
StatusOr<std::vector<std::pair<std::string, int64_t>>> ParseStrIntDictPickle(
    std::string_view bytes, const std::string& what);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_PICKLE_H_
