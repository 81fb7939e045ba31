#include "src/py_tagger.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <system_error>
#include <thread>

#include "src/results.h"
#include "src/status_error.h"

namespace py = pybind11;

namespace edgebert::python {

PyTagger::PyTagger(std::shared_ptr<const Model> model, size_t threads,
                   const TaggerOptions& options)
    : model_(std::move(model)), threads_(threads), options_(options) {
  if (threads_ == 0) {
    throw StatusError(InvalidArgument("threads must be >= 1, got 0"));
  }
  StatusOr<std::unique_ptr<Tagger>> t = Status::Ok();
  {
    py::gil_scoped_release release;
    pool_ = MakePool(threads_);
    t = Tagger::Create(*model_, options_, pool_.get());
  }
  main_ = ValueOrThrow(std::move(t));
}

py::object PyTagger::TagOne(py::handle text, bool tokens) {
  const std::string s = TextBytes(text, "text");
  TagResult r;
  Status st;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mu_);
    st = main_->Tag(s, &r, tokens);
  }
  ThrowIfError(st);
  return ResultToPython(r, tokens, model_->config().labels);
}

Status PyTagger::EnsureWorkers(size_t n) {
  while (workers_.size() < n) {
    StatusOr<std::unique_ptr<Tagger>> t =
        Tagger::Create(*model_, options_, nullptr);
    if (!t.ok()) return t.status();
    workers_.push_back(std::move(t.value()));
  }
  return Status::Ok();
}

void PyTagger::RunBatch(const std::vector<std::string>& texts, bool tokens,
                        std::vector<TagResult>* results,
                        std::vector<Status>* status) {
  const size_t n = texts.size();
  const size_t k = std::min(threads_, n);
  if (k <= 1) {
    for (size_t i = 0; i < n; ++i) {
      (*status)[i] = main_->Tag(texts[i], &(*results)[i], tokens);
    }
    return;
  }
  const Status created = EnsureWorkers(k);
  if (!created.ok()) {
    std::fill(status->begin(), status->end(), created);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&](Tagger* t) {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      (*status)[i] = t->Tag(texts[i], &(*results)[i], tokens);
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < k; ++w) {
    try {
      pool.emplace_back(work, workers_[w].get());
    } catch (const std::system_error&) {
      break;  // no more OS threads: the started ones share the work.
    }
  }
  work(workers_[0].get());
  for (std::thread& t : pool) t.join();
}

py::list PyTagger::TagMany(py::handle texts, bool tokens) {
  if (!py::isinstance<py::iterable>(texts)) {
    throw py::type_error(
        "texts must be str or bytes or an iterable of them, not " +
        std::string(Py_TYPE(texts.ptr())->tp_name));
  }
  std::vector<std::string> in;
  for (py::handle h : py::reinterpret_borrow<py::iterable>(texts)) {
    in.push_back(TextBytes(h, "texts[" + std::to_string(in.size()) + "]"));
  }
  std::vector<TagResult> results(in.size());
  std::vector<Status> status(in.size());
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mu_);
    RunBatch(in, tokens, &results, &status);
  }
  for (size_t i = 0; i < in.size(); ++i) {
    if (!status[i].ok()) {
      throw StatusError(
          Status(status[i].code(),
                 "texts[" + std::to_string(i) + "]: " + status[i].message()));
    }
  }
  const std::vector<std::string>& labels = model_->config().labels;
  py::list out(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    out[i] = ResultToPython(results[i], tokens, labels);
  }
  return out;
}

double PyTagger::TimeCppTag(py::handle text, size_t iters) {
  const std::string s = TextBytes(text, "text");
  TagResult r;
  Status st;
  std::chrono::duration<double> elapsed{};
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mu_);
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < iters && st.ok(); ++i) st = main_->Tag(s, &r);
    elapsed = std::chrono::steady_clock::now() - t0;
  }
  ThrowIfError(st);
  return elapsed.count();
}

}  // namespace edgebert::python
