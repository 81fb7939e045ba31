#include "src/results.h"

#include <pybind11/numpy.h>

#include <algorithm>

namespace py = pybind11;

namespace edgebert::python {

py::list EntitiesToPython(const std::vector<Entity>& entities) {
  py::list out(entities.size());
  for (size_t i = 0; i < entities.size(); ++i) {
    const Entity& e = entities[i];
    py::dict d;
    d["entity_group"] = e.entity_group;
    d["word"] = e.word;
    d["start"] = e.start;
    d["end"] = e.end;
    d["start_byte"] = e.start_byte;
    d["end_byte"] = e.end_byte;
    d["score"] = static_cast<double>(e.score);
    out[i] = std::move(d);
  }
  return out;
}

namespace {

py::dict TokensToPython(const TagResult& r,
                        const std::vector<std::string>& labels) {
  const size_t n = r.tokens.size();
  const size_t num_labels = labels.size();
  py::array_t<float> logits({n, num_labels});
  float* dst = logits.mutable_data();
  py::list tokens(n);
  for (size_t i = 0; i < n; ++i) {
    const TokenResult& t = r.tokens[i];
    std::copy(t.logits.begin(), t.logits.end(), dst + i * num_labels);
    py::dict d;
    d["id"] = t.id;
    d["piece"] = t.piece;
    d["start"] = t.start;
    d["end"] = t.end;
    d["start_byte"] = t.start_byte;
    d["end_byte"] = t.end_byte;
    d["word"] = t.word;
    d["label"] = labels[static_cast<size_t>(t.label)];
    d["logits"] = logits[py::int_(i)];
    tokens[i] = std::move(d);
  }
  py::dict out;
  out["entities"] = EntitiesToPython(r.entities);
  out["tokens"] = std::move(tokens);
  out["logits"] = std::move(logits);
  return out;
}

}  // namespace

py::object ResultToPython(const TagResult& r, bool with_tokens,
                          const std::vector<std::string>& labels) {
  if (!with_tokens) return EntitiesToPython(r.entities);
  return TokensToPython(r, labels);
}

std::string TextBytes(py::handle text, const std::string& what) {
  PyObject* o = text.ptr();
  if (PyUnicode_Check(o)) {
    Py_ssize_t n = 0;
    const char* p = PyUnicode_AsUTF8AndSize(o, &n);
    if (p == nullptr) throw py::error_already_set();  // lone surrogates
    return std::string(p, static_cast<size_t>(n));
  }
  if (PyBytes_Check(o) || PyByteArray_Check(o) || PyMemoryView_Check(o)) {
    py::buffer_info b = py::reinterpret_borrow<py::buffer>(text).request();
    if (b.itemsize != 1 || b.ndim != 1 || b.strides[0] != 1) {
      throw py::type_error(what + " must be contiguous bytes");
    }
    return std::string(static_cast<const char*>(b.ptr),
                       static_cast<size_t>(b.size));
  }
  throw py::type_error(what + " must be str or bytes, not " +
                       std::string(Py_TYPE(o)->tp_name));
}

}  // namespace edgebert::python
