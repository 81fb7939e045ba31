// Recurrence of one LSTM cell over a sequence (TensorFlow LSTMCell, no
// peepholes, no projection, forget_bias 1): with z_s = xz_s + h_{s-1} R,
// gates i, j, f, o = z_s[0, U), [U, 2U), [2U, 3U), [3U, 4U):
//   c_s = sigmoid(f + 1) * c_{s-1} + sigmoid(i) * tanh(j)
//   h_s = sigmoid(o) * tanh(c_s),         h_{-1} = c_{-1} = 0.
// The input part xz = x W_x + b (one GEMM over all positions) is the
// caller's; this kernel adds h R step by step.
//
// Determinism: each z column is xz + sum over k = 0..U-1 of h[k] R[k, col],
// accumulated in increasing k with fused MulAdd; sigmoid / tanh are
// det::Sigmoid / det::Tanh and c is one MulAdd: bit-identical on every FMA
// target whatever the vector width (det_math-inl.h). Scalar double
// reference: lstm_ref.h. Does not allocate.
#ifndef EDGEBERT_RUNTIME_KERNELS_LSTM_H_
#define EDGEBERT_RUNTIME_KERNELS_LSTM_H_

#include <cstddef>

namespace edgebert::kernels {

// Floats of scratch LstmSequence needs for `units`: 4U (z) + U (c) + U (h).
size_t LstmScratchFloats(size_t units);

// xz:        [t, 4U], row s at xz + s * xz_stride (xz_stride >= 4U).
// recurrent: [U, 4U] row-major (R; TF kernel rows [in, in + U)).
// backward:  process s = t-1 down to 0 (h_{-1} is then the state "after"
//            position t), else 0 up to t-1.
// h:         output h_s at h + s * h_stride (U floats each); must not alias
//            xz, recurrent or scratch.
// t == 0 writes nothing.
void LstmSequence(const float* xz, size_t xz_stride, size_t t, size_t units,
                  const float* recurrent, bool backward, float* scratch,
                  float* h, size_t h_stride);

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_LSTM_H_
