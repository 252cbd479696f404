/*
 * Forward 2-D convolution for ll4al's wasm backend, in WebAssembly SIMD (f32x4).
 *
 * Build and memory rules as convGrad.c (scripts/build-wasm-kernels.sh): the module works in
 * place on tfjs-backend-wasm's memory, owns no memory, uses no global and no stack; every
 * array below is either a tensor or caller-provided scratch, or is unrolled into locals.
 *
 * Layouts (float32, row-major):
 *   x [N, H, W, CI]  input      w [KH, KW, CI, CO]  filter      b [CO]  bias (optional)
 *   y [N, OH, OW, CO] output
 * With dilation 1, stride SH×SW and explicit padding PT (top), PL (left):
 *   y[n, oh, ow, co] = act(b[co] + Σ_{kh, kw, ci} x[n, oh·SH − PT + kh, ow·SW − PL + kw, ci] · w[kh, kw, ci, co])
 * x read as zero outside [0, H) × [0, W); act is the identity or ReLU (max(·, 0)).
 *
 * GEMM form. Over a zero-padded image xp[t, u, ci] = x[n, t − PT, u − PL, ci] (HP × WP, with
 * HP = (OH−1)·SH + KH and WP = (OW−1)·SW + KW, so no tap is ever out of bounds), fix kh and
 * let r = kw·CI + ci (R = KW·CI values). For output pixel (oh, ow) the R values of row kh are
 * the consecutive floats at xp[oh·SH + kh, ow·SW, 0], and w[kh] is an R × CO matrix in the
 * same r order. So
 *   y[(oh, ow), co] = Σ_kh Σ_r xp[oh·SH + kh, ow·SW·CI + r] · w[kh][r, co],
 * a GEMM with M = OH·OW pixels, N = CO channels and a reduction of KH·R = KH·KW·CI.
 *
 * Tiling: MR (≤ 4) pixels along an output row × 8 channels (2 vectors), 8 accumulators,
 * per reduction step MR broadcast loads (load32_splat from xp), 2 vector loads (weights) and
 * 2·MR multiply-adds. The weights are packed once per call into panels of 8 channels,
 * wp[panel][kh][r][0 … 7] (the last panel zero-filled past CO), so one tile streams one
 * contiguous panel (KH·R·8 floats: 18 KB for 3×3×64, kept in L1 across a whole image); the
 * bias is packed likewise (zero when absent) and preloads the accumulators. Only the channels
 * < CO of the last panel are stored. Loop order: image (padded into scratch when the window
 * reaches outside x; otherwise read in place), panel, tiles of 4 pixels over the image's
 * OH·OW pixels in order (a tile may cross an output row: each of its pixels has its own window
 * pointer, so short rows such as 7 or 4 pixels need no remainder tiles), then the last 1–3.
 *
 * Speed (bench/convForward.ts, 2-core x86, V8): 13–23 GMAC/s on the small CNN's, ResNet-18's
 * and the keypoints/SSD 3×3 layers, near this tile's bound of 2 multiply-adds (4 SIMD
 * operations, no FMA in WebAssembly SIMD) per cycle; 7–11 GMAC/s with one input channel
 * (9 reduction steps per tile: the tile's setup and stores weigh). Packing the filter on every
 * call costs about as much as a few multiply-adds per weight, which is why the registration
 * uses this kernel only from 256 output pixels per call (convForwardKernels.ts).
 */
#include <wasm_simd128.h>

typedef __SIZE_TYPE__ size_t;

#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("clang loop unroll(full)")
#define EXPORT(name) __attribute__((export_name(name)))

/* Channels per panel (two f32x4 vectors). */
#define PANEL 8

/*
 * acc + a·b, elementwise. Built with LL4AL_RELAXED_SIMD (and -mrelaxed-simd): f32x4.relaxed_madd,
 * one fused multiply-add where the CPU has FMA (the result may then differ from the separate
 * form in the last bit); otherwise a multiply and an add (plain WebAssembly SIMD has no fused
 * multiply-add). scripts/build-wasm-kernels.sh builds both; nativeModule.ts picks one at load.
 */
#ifdef LL4AL_RELAXED_SIMD
INLINE v128_t madd(v128_t acc, v128_t a, v128_t b) { return wasm_f32x4_relaxed_madd(a, b, acc); }
#else
INLINE v128_t madd(v128_t acc, v128_t a, v128_t b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
#endif

INLINE void zero_floats(float *p, size_t n) { __builtin_memset(p, 0, n * sizeof(float)); }
INLINE void copy_floats(float *dst, const float *src, size_t n) { __builtin_memcpy(dst, src, n * sizeof(float)); }

/* Stores the first `count` (0 … 4) lanes of v at p. */
INLINE void store_lanes(float *p, v128_t v, int count) {
  if (count >= 4) {
    wasm_v128_store(p, v);
  } else if (count >= 2) {
    wasm_v128_store64_lane(p, v, 0);
    if (count == 3) wasm_v128_store32_lane(p + 2, v, 2);
  } else if (count == 1) {
    wasm_v128_store32_lane(p, v, 0);
  }
}

/*
 * One image's zero-padded window: dst[r, c, k] = x[r − PT, c − PL, k] for 0 ≤ r < HP,
 * 0 ≤ c < WP (zero outside x).
 */
static void pad_image(const float *x, float *dst, int H, int W, int C, int PT, int PL, int HP, int WP) {
  const size_t rowFloats = (size_t)WP * C;
  int c0 = PL;                       /* first padded column inside x */
  int c1 = W + PL < WP ? W + PL : WP; /* end of the columns inside x */
  if (c0 > WP) c0 = WP;
  if (c1 < c0) c1 = c0;
  for (int r = 0; r < HP; r++) {
    float *d = dst + (size_t)r * rowFloats;
    const int sr = r - PT;
    if (sr < 0 || sr >= H) {
      zero_floats(d, rowFloats);
      continue;
    }
    zero_floats(d, (size_t)c0 * C);
    if (c1 > c0) copy_floats(d + (size_t)c0 * C, x + ((size_t)sr * W + (c0 - PL)) * C, (size_t)(c1 - c0) * C);
    zero_floats(d + (size_t)c1 * C, (size_t)(WP - c1) * C);
  }
}

/*
 * MR (≤ 4) pixels × 8 channels of y, pixels m0 … m0+MR−1 of one image (flattened (oh, ow), so
 * a tile may span two output rows):
 *   out  = &y[n, m0, c0] (pixel p at out + p·CO); `cols` (1 … 8) channels are stored
 *   a[p] = &xp[oh_p·SH, ow_p·SW, 0], where pixel p's window starts; row kh at + kh·aRow
 *   b    = the panel, wp[panel][kh][r][0 … 7], read straight through (8 floats per step)
 *   bias = the panel's 8 packed bias values
 */
INLINE void forward_tile(const int MR, float *out, int CO, int cols, const float *const *a, size_t aRow, int KH, int R,
                         const float *b, const float *bias, int relu) {
  v128_t acc[4][2];
  const float *ap[4];
  const v128_t b0 = wasm_v128_load(bias), b1 = wasm_v128_load(bias + 4);
  UNROLL
  for (int p = 0; p < MR; p++) {
    acc[p][0] = b0;
    acc[p][1] = b1;
    ap[p] = a[p];
  }
  for (int kh = 0; kh < KH; kh++) {
    for (int r = 0; r < R; r++) {
      const v128_t w0 = wasm_v128_load(b), w1 = wasm_v128_load(b + 4);
      UNROLL
      for (int p = 0; p < MR; p++) {
        const v128_t av = wasm_v128_load32_splat(ap[p] + r);
        acc[p][0] = madd(acc[p][0], av, w0);
        acc[p][1] = madd(acc[p][1], av, w1);
      }
      b += PANEL;
    }
    UNROLL
    for (int p = 0; p < MR; p++) ap[p] += aRow;
  }
  if (relu) {
    const v128_t zero = wasm_f32x4_splat(0);
    UNROLL
    for (int p = 0; p < MR; p++) {
      /* pmax(acc, 0) = acc < 0 ? 0 : acc (one maxps; NaN passes through as in tfjs's relu) */
      acc[p][0] = wasm_f32x4_pmax(acc[p][0], zero);
      acc[p][1] = wasm_f32x4_pmax(acc[p][1], zero);
    }
  }
  if (cols == PANEL) {
    UNROLL
    for (int p = 0; p < MR; p++) {
      wasm_v128_store(out + (size_t)p * CO, acc[p][0]);
      wasm_v128_store(out + (size_t)p * CO + 4, acc[p][1]);
    }
  } else {
    UNROLL
    for (int p = 0; p < MR; p++) {
      store_lanes(out + (size_t)p * CO, acc[p][0], cols);
      store_lanes(out + (size_t)p * CO + 4, acc[p][1], cols - 4);
    }
  }
}

/* The tile functions take the pixels' window pointers as separate arguments (no array in memory). */
#define TILE_ARGS                                                                                                      \
  float *out, int CO, int cols, const float *a0, const float *a1, const float *a2, const float *a3, size_t aRow,      \
      int KH, int R, const float *b, const float *bias, int relu
#define DEFINE_TILE(MR)                                                                                                \
  static __attribute__((noinline)) void forward_tile_##MR(TILE_ARGS) {                                               \
    const float *const a[4] = {a0, a1, a2, a3};                                                                       \
    forward_tile(MR, out, CO, cols, a, aRow, KH, R, b, bias, relu);                                                   \
  }
DEFINE_TILE(4)
DEFINE_TILE(3)
DEFINE_TILE(2)
DEFINE_TILE(1)

/*
 * Pixels per tile. 4 × 8 channels is 8 accumulators + 2 weight vectors + 1 broadcast, which
 * fits x86's 16 vector registers beside V8's scratch register; 5 and 6 pixels per tile
 * (10 or 12 accumulators) measured about half as fast (spills) on the small CNN's shapes.
 */
#define TILE_MR 4

/* Whether the convolution reads outside x (then each image is padded into scratch). */
INLINE int needs_padding(int H, int W, int OH, int OW, int KH, int KW, int SH, int SW, int PT, int PL) {
  return PT != 0 || PL != 0 || (OH - 1) * SH + KH > H || (OW - 1) * SW + KW > W;
}

/* Floats of scratch conv2d_forward needs: packed weights and bias, and one padded image if padding is needed. */
EXPORT("forward_scratch")
size_t forward_scratch(int N, int H, int W, int CI, int OH, int OW, int CO, int KH, int KW, int SH, int SW, int PT,
                       int PL) {
  (void)N;
  const size_t panels = (size_t)(CO + PANEL - 1) / PANEL;
  size_t floats = panels * PANEL * ((size_t)KH * KW * CI + 1);
  if (needs_padding(H, W, OH, OW, KH, KW, SH, SW, PT, PL))
    floats += (size_t)((OH - 1) * SH + KH) * ((OW - 1) * SW + KW) * CI;
  return floats;
}

/*
 * y (N × OH × OW × CO, overwritten) of the convolution described above. `bias` is 0 (none) or
 * CO floats; relu ≠ 0 applies max(·, 0). `scratch` holds forward_scratch(…) floats.
 */
EXPORT("conv2d_forward")
void conv2d_forward(const float *x, const float *w, const float *bias, float *y, float *scratch, int N, int H, int W,
                    int CI, int OH, int OW, int CO, int KH, int KW, int SH, int SW, int PT, int PL, int relu) {
  const int R = KW * CI;
  const size_t K = (size_t)KH * R;
  const int panels = (CO + PANEL - 1) / PANEL;
  float *wp = scratch;                                /* panels × K × 8 */
  float *bp = wp + (size_t)panels * K * PANEL;        /* panels × 8 */
  float *xp = bp + (size_t)panels * PANEL;            /* one padded image (if needed) */

  /* Pack: wp[panel][k][j] = w[k, panel·8 + j] (k = (kh, kw, ci) flattened), zero past CO. */
  for (int pn = 0; pn < panels; pn++) {
    const int c0 = pn * PANEL;
    const int cols = CO - c0 < PANEL ? CO - c0 : PANEL;
    float *dst = wp + (size_t)pn * K * PANEL;
    for (size_t k = 0; k < K; k++) {
      const float *src = w + k * CO + c0;
      for (int j = 0; j < PANEL; j++) dst[k * PANEL + j] = j < cols ? src[j] : 0.0f;
    }
    for (int j = 0; j < PANEL; j++) bp[c0 + j] = (bias != 0 && j < cols) ? bias[c0 + j] : 0.0f;
  }

  const int padded = needs_padding(H, W, OH, OW, KH, KW, SH, SW, PT, PL);
  const int HP = padded ? (OH - 1) * SH + KH : H;
  const int WP = padded ? (OW - 1) * SW + KW : W;
  const size_t aRow = (size_t)WP * CI;
  const size_t aStep = (size_t)SW * CI;
  for (int n = 0; n < N; n++) {
    const float *image = x + (size_t)n * H * W * CI;
    if (padded) {
      pad_image(image, xp, H, W, CI, PT, PL, HP, WP);
      image = xp;
    }
    float *yImage = y + (size_t)n * OH * OW * CO;
    const int M = OH * OW;
    for (int pn = 0; pn < panels; pn++) {
      const int c0 = pn * PANEL;
      const int cols = CO - c0 < PANEL ? CO - c0 : PANEL;
      const float *b = wp + (size_t)pn * K * PANEL;
      const float *bias8 = bp + c0;
      /* pixels m = oh·OW + ow of this image in tiles of TILE_MR (then the 1 … TILE_MR−1 left) */
      const float *a[TILE_MR];
      int oh = 0, ow = 0;
      for (int m0 = 0; m0 < M; m0 += TILE_MR) {
        const int MR = M - m0 < TILE_MR ? M - m0 : TILE_MR;
        /* window pointers of pixels m0 … m0+MR−1; (oh, ow) ends at pixel m0 + MR */
        UNROLL
        for (int p = 0; p < TILE_MR; p++) {
          a[p] = image + (size_t)oh * SH * aRow + ow * aStep; /* (past MR: a valid pointer, unused) */
          if (p < MR - 1 && ++ow == OW) {
            ow = 0;
            oh++;
          }
        }
        if (MR > 0 && ++ow == OW) {
          ow = 0;
          oh++;
        }
        float *out = yImage + (size_t)m0 * CO + c0;
#define CALL(T) T(out, CO, cols, a[0], a[1], a[2], a[3], aRow, KH, R, b, bias8, relu)
        switch (MR) {
          case 4: CALL(forward_tile_4); break;
          case 3: CALL(forward_tile_3); break;
          case 2: CALL(forward_tile_2); break;
          default: CALL(forward_tile_1); break;
        }
#undef CALL
      }
    }
  }
}
