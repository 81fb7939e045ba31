// The register-tile loop shared by the two NEON int8 micro-kernels
// (gemm_i8_neon-inl.h). Deliberately without include guard: it is included
// once per kernel, inside that kernel's namespace, with EB_NEON_TILE_ATTR set
// to the kernel's target attribute (a template carries the attributes of its
// definition, so the dotprod kernel needs its own definition).
//
// NeonMicro<Step> implements the micro-kernel contract of
// gemm_i8_tile-inl.h with kMR = Step::kMR, kP = 1, kOffset = 0, where Step
// supplies, per 16-channel panel,
//   kAccPerQ: int32x4_t accumulators per 4-channel quarter;
//   Act Broadcast(int32_t four_bytes);
//   void Accumulate(int32x4_t (&acc)[4 * kAccPerQ], q, int8x16_t w, Act a):
//     adds the products of quarter q's 4 channels x 4 k into acc;
//   void Store(const int32x4_t (&acc)[4 * kAccPerQ], int32_t* out16).
#ifndef EB_NEON_TILE_ATTR
#error "define EB_NEON_TILE_ATTR before including gemm_i8_neon_tile-inl.h"
#endif

template <class Step>
struct NeonMicro : TileShape<Step::kMR, 1> {
  static constexpr size_t kAcc = 4 * Step::kAccPerQ;

  template <size_t MR, size_t P>
  static EB_NEON_TILE_ATTR void Tile(const int8_t* x, size_t x_stride,
                                     const int8_t* w, size_t panel_bytes,
                                     size_t k_groups, int32_t* out, size_t ld) {
    int32x4_t acc[MR][P][kAcc];
    Unroll<MR>([&](auto r) EB_NEON_TILE_ATTR {
      Unroll<P>([&](auto p) EB_NEON_TILE_ATTR {
        Unroll<kAcc>([&](auto q)
                         EB_NEON_TILE_ATTR { acc[r][p][q] = vdupq_n_s32(0); });
      });
    });
    const int8_t* wg = w;
    const int8_t* xg = x;
    for (size_t g = 0; g < k_groups; ++g, wg += kGroupBytes, xg += 4) {
      int8x16_t wv[P][4];
      Unroll<P>([&](auto p) EB_NEON_TILE_ATTR {
        Unroll<4>([&](auto q) EB_NEON_TILE_ATTR {
          wv[p][q] = vld1q_s8(wg + p * panel_bytes + 16 * q);
        });
      });
      Unroll<MR>([&](auto r) EB_NEON_TILE_ATTR {
        const auto a = Step::Broadcast(Load32(xg + r * x_stride));
        Unroll<P>([&](auto p) EB_NEON_TILE_ATTR {
          Unroll<4>([&](auto q) EB_NEON_TILE_ATTR {
            Step::Accumulate(acc[r][p], q, wv[p][q], a);
          });
        });
      });
    }
    Unroll<MR>([&](auto r) EB_NEON_TILE_ATTR {
      Unroll<P>([&](auto p) EB_NEON_TILE_ATTR {
        Step::Store(acc[r][p], out + r * ld + p * kNR);
      });
    });
  }
};
