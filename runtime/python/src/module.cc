// The native module edgebert._edgebert: _Model, _Tagger, _convert and the
// exception classes. The public, documented API is the Python package
// (runtime/python/edgebert/__init__.py), which wraps these.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <memory>
#include <string>

#include "quantize/convert.h"
#include "runtime/api/edgebert.h"
#include "runtime/api/model_info.h"
#include "src/py_tagger.h"
#include "src/status_error.h"

namespace py = pybind11;

namespace edgebert::python {
namespace {

// Python exception class per StatusCode (index = code; [0] is the base
// class edgebert.Error). Created once at import; owned by the module.
std::array<PyObject*, 8> g_errors{};

void AddErrors(py::module_& m) {
  struct Spec {
    StatusCode code;
    const char* name;
    PyObject* extra_base;  // a builtin class it also derives from, or null.
  };
  g_errors[0] = PyErr_NewExceptionWithDoc(
      "edgebert.Error", "Base class of the errors edgebert raises.",
      PyExc_RuntimeError, nullptr);
  m.add_object("Error", py::handle(g_errors[0]));
  const Spec specs[] = {
      {StatusCode::kInvalidArgument, "InvalidArgumentError", PyExc_ValueError},
      {StatusCode::kNotFound, "NotFoundError", PyExc_FileNotFoundError},
      {StatusCode::kDataLoss, "DataLossError", nullptr},
      {StatusCode::kFailedPrecondition, "FailedPreconditionError", nullptr},
      {StatusCode::kUnimplemented, "UnimplementedError", nullptr},
      {StatusCode::kResourceExhausted, "ResourceExhaustedError",
       PyExc_MemoryError},
      {StatusCode::kInternal, "InternalError", nullptr},
  };
  for (const Spec& s : specs) {
    py::tuple bases =
        s.extra_base != nullptr
            ? py::make_tuple(py::handle(g_errors[0]), py::handle(s.extra_base))
            : py::make_tuple(py::handle(g_errors[0]));
    const std::string qualified = std::string("edgebert.") + s.name;
    PyObject* cls = PyErr_NewExceptionWithDoc(
        qualified.c_str(),
        (std::string("edgebert status ") + StatusCodeName(s.code)).c_str(),
        bases.ptr(), nullptr);
    if (cls == nullptr) throw py::error_already_set();
    g_errors[static_cast<size_t>(s.code)] = cls;
    m.add_object(s.name, py::handle(cls));
  }
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      const size_t i = static_cast<size_t>(e.code());
      PyErr_SetString(
          i < g_errors.size() && g_errors[i] ? g_errors[i] : g_errors[0],
          e.what());
    }
  });
}

std::shared_ptr<const Model> LoadModel(const std::string& path,
                                       bool verify_checksum) {
  StatusOr<std::unique_ptr<Model>> m = Status::Ok();
  {
    py::gil_scoped_release release;
    m = Model::Load(path, verify_checksum);
  }
  return std::shared_ptr<const Model>(ValueOrThrow(std::move(m)));
}

// The converter binding: the only place that knows ConvertOptions.
void ConvertModel(const std::string& input_dir, const std::string& output,
                  const std::string& precision, const std::string& calibration,
                  int max_seq_len, bool progress) {
  ConvertOptions o;
  o.input_dir = input_dir;
  o.output_path = output;
  StatusOr<Precision> p = ParsePrecision(precision);
  ThrowIfError(p.status());
  o.precision = *p;
  o.int8.calibration_path = calibration;
  o.max_seq_len = max_seq_len;
  o.int8.progress = progress;
  Status s;
  {
    py::gil_scoped_release release;
    s = Convert(o);
  }
  ThrowIfError(s);
}

std::shared_ptr<PyTagger> MakeTagger(std::shared_ptr<const Model> model,
                                     size_t threads, uint32_t max_seq_len,
                                     uint32_t stride, size_t max_text_bytes) {
  TaggerOptions o;
  o.max_seq_len = max_seq_len;
  o.stride = stride;
  o.max_text_bytes = max_text_bytes;
  return std::make_shared<PyTagger>(std::move(model), threads, o);
}

}  // namespace
}  // namespace edgebert::python

PYBIND11_MODULE(_edgebert, m) {
  namespace ebp = edgebert::python;
  using edgebert::Model;
  m.doc() = "edgebert native module; use the edgebert package instead.";
  ebp::AddErrors(m);
  py::class_<Model, std::shared_ptr<Model>>(m, "_Model")
      .def(
          py::init([](const std::string& path, bool verify) {
            return std::const_pointer_cast<Model>(ebp::LoadModel(path, verify));
          }),
          py::arg("path"), py::arg("verify_checksum") = false)
      .def("info_json",
           [](const Model& model) {
             return edgebert::ModelInfo(model).dump(
                 -1, ' ', false, nlohmann::json::error_handler_t::replace);
           })
      .def_property_readonly(
          "labels", [](const Model& model) { return model.config().labels; });
  py::class_<ebp::PyTagger, std::shared_ptr<ebp::PyTagger>>(m, "_Tagger")
      .def(py::init([](std::shared_ptr<Model> model, size_t threads,
                       uint32_t max_seq_len, uint32_t stride,
                       size_t max_text_bytes) {
             return ebp::MakeTagger(std::move(model), threads, max_seq_len,
                                    stride, max_text_bytes);
           }),
           py::arg("model"), py::arg("threads"), py::arg("max_seq_len"),
           py::arg("stride"), py::arg("max_text_bytes"))
      .def("tag_one", &ebp::PyTagger::TagOne, py::arg("text"),
           py::arg("tokens"))
      .def("tag_many", &ebp::PyTagger::TagMany, py::arg("texts"),
           py::arg("tokens"))
      .def_property_readonly("threads", &ebp::PyTagger::threads)
      .def_property_readonly(
          "max_seq_len",
          [](const ebp::PyTagger& t) { return t.options().max_seq_len; })
      .def_property_readonly(
          "stride", [](const ebp::PyTagger& t) { return t.options().stride; })
      .def_property_readonly("backend", &ebp::PyTagger::BackendInfo)
      .def_property_readonly(
          "arena_bytes",
          [](const ebp::PyTagger& t) { return t.memory().arena_bytes; })
      .def("_time_cpp_tag", &ebp::PyTagger::TimeCppTag, py::arg("text"),
           py::arg("iters"));
  m.def("_convert", &ebp::ConvertModel, py::arg("input_dir"), py::arg("output"),
        py::arg("precision"), py::arg("calibration"), py::arg("max_seq_len"),
        py::arg("progress"));
}
