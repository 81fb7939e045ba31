#include "quantize/readers/tf/tf_head.h"

#include <string>
#include <utility>
#include <vector>

#include "quantize/readers/tf/tf_names.h"
#include "runtime/model/model_file.h"
#include "runtime/model/tensor_names.h"

namespace edgebert {
namespace {

namespace hn = tf_head_names;

// Dimension `dim` of a rank-`rank` tensor `name` whose expected shape is
// described by `expect` (e.g. "[L, 64]").
StatusOr<int64_t> Dim(const TfTensors& t, const std::string& name, size_t rank,
                      size_t dim, const std::string& expect) {
  StatusOr<std::vector<int64_t>> s = t.Shape(name, expect);
  if (!s.ok()) return s.status();
  if (s->size() != rank || (*s)[dim] <= 0) {
    return FailedPrecondition(t.label() + ": tensor '" + name + "' has shape " +
                              ShapeString(*s) + ", expected " + expect);
  }
  return (*s)[dim];
}

// classifier.{weight,bias} from project/logits/{W [in, L], b [L]}.
StatusOr<int64_t> LoadProjectLogits(TfTensors* t, int64_t in, Checkpoint* c) {
  StatusOr<int64_t> l =
      Dim(*t, hn::kLogitsW, 2, 1, "[" + std::to_string(in) + ", L]");
  if (!l.ok()) return l.status();
  F32Tensor w, b;
  EB_RETURN_IF_ERROR(
      t->ReadKernel(hn::kLogitsW, {in, *l}, "head input width", &w));
  EB_RETURN_IF_ERROR(t->Read(hn::kLogitsB, {*l}, "project/logits/W", &b));
  c->weights[names::kClassifierWeight] = std::move(w);
  c->weights[names::kClassifierBias] = std::move(b);
  return *l;
}

// classifier.{weight,bias} from output_weights [L, H], output_bias [L].
StatusOr<int64_t> LoadOutputWeights(TfTensors* t, Checkpoint* c) {
  const int64_t h = c->hidden_size;
  StatusOr<int64_t> l =
      Dim(*t, hn::kOutputWeights, 2, 0, "[L, " + std::to_string(h) + "]");
  if (!l.ok()) return l.status();
  F32Tensor w, b;
  EB_RETURN_IF_ERROR(
      t->Read(hn::kOutputWeights, {*l, h}, "bert_config.json hidden_size", &w));
  EB_RETURN_IF_ERROR(t->Read(hn::kOutputBias, {*l}, "output_weights", &b));
  c->weights[names::kClassifierWeight] = std::move(w);
  c->weights[names::kClassifierBias] = std::move(b);
  return *l;
}

// The first of kTransitions present, or "".
std::string TransitionsName(const TfTensors& t) {
  for (const char* n : hn::kTransitions) {
    if (t.Has(n)) return n;
  }
  return "";
}

Status LoadTransitions(TfTensors* t, int64_t l, Checkpoint* c) {
  const std::string name = TransitionsName(*t);
  if (name.empty()) {
    return NotFound(t->label() + ": missing tensor 'crf_loss/transitions' " +
                    "(expected [" + std::to_string(l) + ", " +
                    std::to_string(l) + "]) of the CRF head");
  }
  F32Tensor tr;
  EB_RETURN_IF_ERROR(t->Read(name, {l, l}, "the head's label count", &tr));
  c->head.crf_transitions = std::move(tr.data);
  c->head.crf_span = fb::CrfSpan::Window;
  return Status::Ok();
}

// Stacked cells per direction: 1 for <d>/lstm_cell, else the number of
// consecutive <d>/multi_rnn_cell/cell_k.
int CountCells(const TfTensors& t) {
  if (t.Has(hn::LstmCell("fw", 0, 1, "kernel"))) return 1;
  int k = 0;
  while (t.Has(hn::LstmCell("fw", k, 2, "kernel"))) ++k;
  return k;
}

// lstm.<d>.<c>.* from the LSTMCell kernel [in + U, 4U] and bias [4U].
Status LoadCell(TfTensors* t, bool bw, int cell, int cells, int64_t in,
                int64_t u, Checkpoint* c) {
  const char* d = bw ? "bw" : "fw";
  F32Tensor k, b;
  EB_RETURN_IF_ERROR(t->Read(hn::LstmCell(d, cell, cells, "kernel"),
                             {in + u, 4 * u}, "LSTM input + units", &k));
  EB_RETURN_IF_ERROR(t->Read(hn::LstmCell(d, cell, cells, "bias"), {4 * u},
                             "4 x LSTM units", &b));
  const size_t cols = static_cast<size_t>(4 * u);
  c->weights[names::Lstm(bw, cell, names::kLstmInputWeight)] = {
      {4 * u, in}, TransposeRows(k.data, cols, 0, static_cast<size_t>(in))};
  c->weights[names::Lstm(bw, cell, names::kLstmInputBias)] = std::move(b);
  c->weights[names::Lstm(bw, cell, names::kLstmRecurrent)] = {
      {u, 4 * u},
      std::vector<float>(k.data.begin() + static_cast<size_t>(in) * cols,
                         k.data.end())};
  return Status::Ok();
}

StatusOr<int64_t> LoadBiLstm(TfTensors* t, Checkpoint* c) {
  const int cells = CountCells(*t);
  if (cells == 0) {
    return NotFound(t->label() + ": tensors under '" + hn::kRnnPrefix +
                    "' but no '" + hn::LstmCell("fw", 0, 1, "kernel") +
                    "' or '" + hn::LstmCell("fw", 0, 2, "kernel") + "'");
  }
  StatusOr<int64_t> four_u =
      Dim(*t, hn::LstmCell("fw", 0, cells, "bias"), 1, 0, "[4U]");
  if (!four_u.ok()) return four_u.status();
  if (*four_u % 4 != 0) {
    return FailedPrecondition(
        t->label() + ": tensor '" + hn::LstmCell("fw", 0, cells, "bias") +
        "' has " + std::to_string(*four_u) + " values, expected 4 x units");
  }
  const int64_t u = *four_u / 4;
  for (int bw = 0; bw < 2; ++bw) {
    for (int k = 0; k < cells; ++k) {
      EB_RETURN_IF_ERROR(
          LoadCell(t, bw, k, cells, k == 0 ? c->hidden_size : u, u, c));
    }
  }
  HeadOptions& h = c->head;
  h.kind = fb::HeadKind::BiLstmCrf;
  h.lstm_units = static_cast<int>(u);
  h.lstm_layers = cells;
  int64_t width = 2 * u;
  if (t->Has(hn::kHiddenW)) {
    StatusOr<int64_t> p =
        Dim(*t, hn::kHiddenW, 2, 1, "[" + std::to_string(2 * u) + ", P]");
    if (!p.ok()) return p.status();
    F32Tensor w, b;
    EB_RETURN_IF_ERROR(
        t->ReadKernel(hn::kHiddenW, {2 * u, *p}, "2 x LSTM units", &w));
    EB_RETURN_IF_ERROR(t->Read(hn::kHiddenB, {*p}, "project/hidden/W", &b));
    c->weights[names::kProjectHiddenWeight] = std::move(w);
    c->weights[names::kProjectHiddenBias] = std::move(b);
    h.project_hidden = static_cast<int>(*p);
    width = *p;
  }
  StatusOr<int64_t> l = LoadProjectLogits(t, width, c);
  if (!l.ok()) return l;
  EB_RETURN_IF_ERROR(LoadTransitions(t, *l, c));
  return l;
}

}  // namespace

StatusOr<int64_t> LoadTfHead(TfTensors* t, Checkpoint* c) {
  c->head = HeadOptions();
  if (t->HasPrefix(hn::kRnnPrefix)) return LoadBiLstm(t, c);
  const std::string transitions = TransitionsName(*t);
  StatusOr<int64_t> l = 0;
  if (t->Has(hn::kLogitsW)) {
    l = LoadProjectLogits(t, c->hidden_size, c);
    c->head.logits_tanh = true;
  } else if (t->Has(hn::kOutputWeights)) {
    l = LoadOutputWeights(t, c);
  } else {
    return NotFound(
        t->label() +
        ": no classifier head: expected output_weights/output_bias "
        "(softmax), crf_loss/transitions with project/logits/{W,b} or "
        "output_weights (CRF), or rnn_layer/bidirectional_rnn/... "
        "(BiLSTM-CRF)");
  }
  if (!l.ok()) return l;
  if (!transitions.empty()) {
    c->head.kind = fb::HeadKind::Crf;
    EB_RETURN_IF_ERROR(LoadTransitions(t, *l, c));
  } else if (c->head.logits_tanh) {
    return NotFound(t->label() +
                    ": project/logits/W without crf_loss/transitions: a "
                    "CRF head needs its transitions");
  }
  return l;
}

}  // namespace edgebert
