// The Python Tagger: one text at a time on the calling thread (using the
// tagger's own thread pool inside the encoder), or a list of texts spread
// over `threads` worker threads, one edgebert::Tagger each (created on the
// first list), with the GIL released. Calls on one PyTagger are serialized
// (its taggers are single-user, runtime/api/edgebert.h).
#ifndef EDGEBERT_RUNTIME_PYTHON_SRC_PY_TAGGER_H_
#define EDGEBERT_RUNTIME_PYTHON_SRC_PY_TAGGER_H_

#include <pybind11/pybind11.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/api/edgebert.h"
#include "runtime/api/thread_pool.h"

namespace edgebert::python {

class PyTagger {
 public:
  // threads >= 1. InvalidArgument (as StatusError) for bad options.
  PyTagger(std::shared_ptr<const Model> model, size_t threads,
           const TaggerOptions& options);

  // Entities of one text (str or bytes); see ResultToPython.
  pybind11::object TagOne(pybind11::handle text, bool tokens);
  // One result per text, in order. Errors name the failing text's index.
  pybind11::list TagMany(pybind11::handle texts, bool tokens);

  size_t threads() const { return threads_; }
  const TaggerOptions& options() const { return main_->options(); }
  std::string BackendInfo() const { return main_->BackendInfo(); }
  MemoryPlan memory() const { return main_->memory(); }
  // Seconds taken by `iters` calls of the C++ Tagger::Tag on `text`, for
  // measuring the binding's per-call overhead (bench/python_bench.py).
  double TimeCppTag(pybind11::handle text, size_t iters);

 private:
  Status EnsureWorkers(size_t n);
  void RunBatch(const std::vector<std::string>& texts, bool tokens,
                std::vector<TagResult>* results, std::vector<Status>* status);

  std::shared_ptr<const Model> model_;
  size_t threads_;
  TaggerOptions options_;
  OwnedPool pool_;  // of main_; declared first, destroyed last.
  std::unique_ptr<Tagger> main_;
  std::vector<std::unique_ptr<Tagger>> workers_;  // pool-less, for lists.
  std::mutex mu_;
};

}  // namespace edgebert::python

#endif  // EDGEBERT_RUNTIME_PYTHON_SRC_PY_TAGGER_H_
