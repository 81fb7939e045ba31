#include "runtime/model/bilstm_head.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "runtime/kernels/activation.h"
#include "runtime/kernels/lstm.h"
#include "runtime/model/tensor_names.h"

namespace edgebert {
namespace {

constexpr size_t kAlign = 64;
size_t AlignUp(size_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

}  // namespace

BiLstmHead::~BiLstmHead() { std::free(buffer_); }

StatusOr<std::unique_ptr<BiLstmHead>> BiLstmHead::Create(
    const ModelFile& file, size_t hidden, size_t max_rows,
    GemmF32::Backend f32_backend) {
  std::unique_ptr<BiLstmHead> h(new BiLstmHead());
  h->max_rows_ = max_rows;
  EB_RETURN_IF_ERROR(h->Bind(file, hidden, f32_backend));
  h->Allocate();
  if (h->buffer_ == nullptr) {
    return ResourceExhausted("cannot allocate the " +
                             std::to_string(h->buffer_bytes_) +
                             "-byte BiLSTM head buffers");
  }
  return h;
}

Status BiLstmHead::Bind(const ModelFile& file, size_t hidden,
                        GemmF32::Backend backend) {
  const fb::Head& head = *file.model().head();
  units_ = static_cast<size_t>(head.lstm_units());
  proj_ = static_cast<size_t>(head.project_hidden());
  labels_ = static_cast<size_t>(head.num_labels());
  logits_tanh_ = head.logits_tanh();
  const size_t u = units_;
  const auto linear = [&](const std::string& w, const std::string& b, size_t k,
                          size_t n, std::unique_ptr<Linear>* out) -> Status {
    StatusOr<std::unique_ptr<Linear>> r =
        CreateLinear(file, w, b, k, n, Activation::kNone, backend);
    if (!r.ok()) return r.status();
    *out = std::move(r.value());
    return Status::Ok();
  };
  for (int dir = 0; dir < 2; ++dir) {
    for (int c = 0; c < head.lstm_layers(); ++c) {
      Cell cell;
      const bool bw = dir == 1;
      EB_RETURN_IF_ERROR(linear(names::Lstm(bw, c, names::kLstmInputWeight),
                                names::Lstm(bw, c, names::kLstmInputBias),
                                c == 0 ? hidden : u, 4 * u, &cell.input));
      StatusOr<const TensorView*> r = file.Require(
          names::Lstm(bw, c, names::kLstmRecurrent), fb::DType::F32,
          {static_cast<int64_t>(u), static_cast<int64_t>(4 * u)});
      if (!r.ok()) return r.status();
      cell.recurrent = r.value()->as<float>();
      cells_[dir].push_back(std::move(cell));
    }
  }
  if (proj_ > 0) {
    EB_RETURN_IF_ERROR(linear(names::kProjectHiddenWeight,
                              names::kProjectHiddenBias, 2 * u, proj_,
                              &hidden_));
  }
  return linear(names::kClassifierWeight, names::kClassifierBias,
                proj_ > 0 ? proj_ : 2 * u, labels_, &logits_);
}

void BiLstmHead::Allocate() {
  const size_t S = max_rows_, u = units_;
  size_t gemm = logits_->ScratchBytes(S);
  if (hidden_) gemm = std::max(gemm, hidden_->ScratchBytes(S));
  for (const auto& dir : cells_) {
    for (const Cell& c : dir) gemm = std::max(gemm, c.input->ScratchBytes(S));
  }
  const size_t sizes[] = {
      S * 4 * u * sizeof(float),                      // xz
      2 * S * u * sizeof(float),                      // stack ping-pong
      S * 2 * u * sizeof(float),                      // [fw, bw]
      S * proj_ * sizeof(float),                      // project/hidden
      S * labels_ * sizeof(float),                    // emissions
      kernels::LstmScratchFloats(u) * sizeof(float),  // recurrence
      gemm,                                           // GEMM scratch
  };
  size_t total = 0;
  for (size_t s : sizes) total += AlignUp(s);
  buffer_bytes_ = total;
  buffer_ = std::aligned_alloc(kAlign, std::max(total, kAlign));
  if (buffer_ == nullptr) return;
  std::memset(buffer_, 0, total);
  uint8_t* p = static_cast<uint8_t*>(buffer_);
  void* slot[7];
  for (int i = 0; i < 7; ++i) {
    slot[i] = p;
    p += AlignUp(sizes[i]);
  }
  xz_ = static_cast<float*>(slot[0]);
  stack_ = static_cast<float*>(slot[1]);
  cat_ = static_cast<float*>(slot[2]);
  proj_buf_ = static_cast<float*>(slot[3]);
  out_ = static_cast<float*>(slot[4]);
  lstm_scratch_ = static_cast<float*>(slot[5]);
  gemm_scratch_ = slot[6];
}

size_t BiLstmHead::owned_weight_bytes() const {
  size_t total = logits_->owned_bytes();
  if (hidden_) total += hidden_->owned_bytes();
  for (const auto& dir : cells_) {
    for (const Cell& c : dir) total += c.input->owned_bytes();
  }
  return total;
}

const float* BiLstmHead::Forward(const float* x, size_t n, pthreadpool_t pool) {
  EB_CHECK(n >= 1 && n <= max_rows_);
  const size_t u = units_;
  for (int dir = 0; dir < 2; ++dir) {
    const float* in = x;
    const std::vector<Cell>& cells = cells_[dir];
    for (size_t c = 0; c < cells.size(); ++c) {
      cells[c].input->Run(in, n, xz_, gemm_scratch_, pool);
      const bool top = c + 1 == cells.size();
      float* h = top ? cat_ + dir * u : stack_ + (c % 2) * max_rows_ * u;
      kernels::LstmSequence(xz_, 4 * u, n, u, cells[c].recurrent,
                            /*backward=*/dir == 1, lstm_scratch_, h,
                            top ? 2 * u : u);
      in = h;
    }
  }
  const float* p = cat_;
  if (hidden_) {
    hidden_->Run(cat_, n, proj_buf_, gemm_scratch_, pool);
    kernels::Tanh(proj_buf_, n * proj_, proj_buf_);
    p = proj_buf_;
  }
  logits_->Run(p, n, out_, gemm_scratch_, pool);
  if (logits_tanh_) kernels::Tanh(out_, n * labels_, out_);
  return out_;
}

}  // namespace edgebert
