// edgebert results as Python objects: the CLI's JSON field names (`edgebert
// tag`), start/end in code points. Call with the GIL held.
#ifndef EDGEBERT_RUNTIME_PYTHON_SRC_RESULTS_H_
#define EDGEBERT_RUNTIME_PYTHON_SRC_RESULTS_H_

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "runtime/api/edgebert.h"

namespace edgebert::python {

// [{"entity_group", "word", "start", "end", "start_byte", "end_byte",
//   "score"}, ...]
pybind11::list EntitiesToPython(const std::vector<Entity>& entities);

// with_tokens false: EntitiesToPython(r.entities). True: {"entities": [...],
// "tokens": [{"id", "piece", "start", "end", "start_byte", "end_byte",
// "word", "label", "logits"}, ...], "logits": float32 array [tokens, labels]};
// each token's "logits" is a row view of that array.
pybind11::object ResultToPython(const TagResult& r, bool with_tokens,
                                const std::vector<std::string>& labels);

// Copies the UTF-8 bytes of a str (encoded) or bytes-like object (as is;
// validated later by the tokenizer). TypeError otherwise; `what` names the
// argument in the message.
std::string TextBytes(pybind11::handle text, const std::string& what);

}  // namespace edgebert::python

#endif  // EDGEBERT_RUNTIME_PYTHON_SRC_RESULTS_H_
