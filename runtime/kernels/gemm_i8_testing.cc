#include "runtime/kernels/gemm_i8_testing.h"

#include "runtime/kernels/gemm_i8_internal.h"

namespace edgebert::kernels {

void GemmI8DisableDotProdForTest(bool disable) {
  gemm_i8_detail::DisableDotProd() = disable;
}

}  // namespace edgebert::kernels
