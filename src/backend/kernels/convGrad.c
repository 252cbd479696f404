/*
 * Convolution gradient kernels for ll4al's wasm backend, in WebAssembly SIMD (f32x4).
 *
 * Build: scripts/build-wasm-kernels.sh (clang --target=wasm32 -O3 -msimd128 -mbulk-memory,
 * no libc). The module imports tfjs-backend-wasm's own memory and works in place on its
 * tensors, so it must not own any memory of its own: no data segment, and no use of a global
 * (the linker's stack pointer, were it used, would put a shadow stack on top of tfjs's heap);
 * the build script checks the binary for both. Every function here keeps its state in wasm
 * locals (registers) and touches memory only through the pointers it is given: the tensors,
 * and scratch memory the caller allocated with tfjs's allocator.
 *
 * Layouts (all float32, row-major):
 *   x  [N, H, W, CI]     the convolution's input
 *   dy [N, OH, OW, CO]   the gradient of its output
 *   w  [KH, KW, CI, CO]  its filter
 * Forward convolution (dilation 1, stride SH×SW, explicit padding PT top and PL left):
 *   y[n, oh, ow, co] = Σ_{kh, kw, ci} x[n, oh·SH − PT + kh, ow·SW − PL + kw, ci] · w[kh, kw, ci, co]
 * with x read as zero outside [0, H) × [0, W).
 *
 * The two gradients are GEMMs in disguise; both kernels make them GEMMs over a zero-padded
 * copy where padding is needed (so no tap is ever out of bounds in the inner loops) and run one register-tiled
 * microkernel shape: a tile of MR "rows" × NV f32x4 vectors of accumulators, updated per step
 * of the reduction by MR broadcast loads (load32_splat), NV vector loads and MR·NV
 * multiply-adds. 4 × 2 (8 accumulators, 32 multiply-adds per 6 loads) fits x86's 16 vector
 * registers with room for V8's scratch registers (4 × 3 measured slower: spills); narrower
 * row counts (3 rows in a first layer with one input channel) take wider tiles (3 × 4).
 * Remainders: tiles of fewer rows or one vector, then scalar code for the last n mod 4 columns.
 */
#include <wasm_simd128.h>

typedef __SIZE_TYPE__ size_t;

#define INLINE static inline __attribute__((always_inline))
/* Fully unroll a loop with a constant trip count (the tile dimensions), so that its arrays become registers. */
#define UNROLL _Pragma("clang loop unroll(full)")
#define EXPORT(name) __attribute__((export_name(name)))

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

/* Zeroes n floats (clang lowers this to memory.fill with -mbulk-memory). */
INLINE void zero_floats(float *p, size_t n) { __builtin_memset(p, 0, n * sizeof(float)); }

/* Copies n floats (memory.copy). */
INLINE void copy_floats(float *dst, const float *src, size_t n) { __builtin_memcpy(dst, src, n * sizeof(float)); }

/*
 * A zero-padded window of an NHWC tensor:
 *   dst[n, r, c, k] = src[n, r + top, c + left, k]  for 0 ≤ r < DH, 0 ≤ c < DW,
 * zero where (r + top, c + left) falls outside src's H × W (top and left may be negative).
 */
static void pad_window(const float *src, float *dst, int N, int H, int W, int C, int top, int left, int DH, int DW) {
  const size_t rowFloats = (size_t)DW * C;
  for (int n = 0; n < N; n++) {
    for (int r = 0; r < DH; r++) {
      float *d = dst + ((size_t)n * DH + r) * rowFloats;
      const int sr = r + top;
      if (sr < 0 || sr >= H) {
        zero_floats(d, rowFloats);
        continue;
      }
      /* columns c with 0 ≤ c + left < W: [c0, c1) */
      int c0 = left < 0 ? -left : 0;
      int c1 = W - left < DW ? W - left : DW;
      if (c1 < c0) c1 = c0;
      if (c0 > DW) c0 = c1 = DW;
      zero_floats(d, (size_t)c0 * C);
      if (c1 > c0) copy_floats(d + (size_t)c0 * C, src + (((size_t)n * H + sr) * W + (c0 + left)) * C, (size_t)(c1 - c0) * C);
      zero_floats(d + (size_t)c1 * C, (size_t)(DW - c1) * C);
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Filter gradient                                                                             */
/* ------------------------------------------------------------------------------------------ */
/*
 *   dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·SH − PT + kh, ow·SW − PL + kw, ci] · dy[n, oh, ow, co]
 *
 * Over the padded input xp[n, t, u, ci] = x[n, t − PT, u − PL, ci] (HP = (OH−1)·SH + KH rows,
 * WP = (OW−1)·SW + KW columns), fix kh and let r = kw·CI + ci. For one output position
 * m = (n, oh, ow) the values xp[n, oh·SH + kh, ow·SW + kw, ci] over all r are the KW·CI
 * consecutive floats starting at xp[n, oh·SH + kh, ow·SW, 0], and dW[kh] is an R × CO matrix
 * (R = KW·CI) in the same r order. So, per kh, one GEMM with a long reduction:
 *
 *   dW[kh][r, co] = Σ_m A[m, r] · dy[m, co],   A[m, r] = xp[n, oh·SH + kh, ow·SW·CI + r]
 *
 * Tiling: r in blocks of MR (broadcast from A: consecutive floats, constant offsets), co in
 * blocks of NV·4 (vector loads from dy's row m), m innermost. The reduction over m is split
 * into chunks of output rows (about `chunk` positions) and co into panels (`panel` columns),
 * so that the part of dy re-read by every (kh, r-block) stays in cache; each tile loads its
 * accumulators from dW, adds one chunk, and stores them back. Loop order: chunk, panel, kh,
 * r-block, co-tile, m. When the convolution reads only inside x (no padding), x is used as is.
 */

/*
 * One MR × NV tile of dW[kh] (rows r0 … r0+MR−1, columns c0 … c0+4·NV−1), accumulated over
 * the output rows q = n·OH + oh in [q0, q1):  tile += Σ_m A[m, r] · dy[m, c].
 *   out  = &dW[kh][r0, c0] (row stride CO)
 *   a0   = &xp[0, kh, 0, r0]; image n, output row oh, column ow reads a0 + n·xImage + oh·xRowStep + ow·xStep
 *   b    = &dy[q0, 0, c0] (output rows are consecutive in dy: m advances by CO floats)
 * Called with constant MR and NV from the noinline wrappers below, so that the accumulators
 * become locals (registers) and no stack frame is made.
 */
INLINE void filter_tile(const int MR, const int NV, float *out, int CO, const float *a0, const float *b, int q0, int q1,
                        int OH, int OW, size_t xImage, size_t xRowStep, size_t xStep) {
  v128_t acc[4][4];
  UNROLL
  for (int i = 0; i < MR; i++)
    UNROLL
    for (int v = 0; v < NV; v++) acc[i][v] = wasm_v128_load(out + (size_t)i * CO + 4 * v);
  int n = q0 / OH;
  int oh = q0 - n * OH;
  const float *row = a0 + n * xImage + oh * xRowStep;
  for (int q = q0; q < q1; q++) {
    const float *a = row;
    for (int ow = 0; ow < OW; ow++) {
      v128_t bv[4];
      UNROLL
      for (int v = 0; v < NV; v++) bv[v] = wasm_v128_load(b + 4 * v);
      UNROLL
      for (int i = 0; i < MR; i++) {
        const v128_t av = wasm_v128_load32_splat(a + i);
        UNROLL
        for (int v = 0; v < NV; v++) acc[i][v] = madd(acc[i][v], av, bv[v]);
      }
      a += xStep;
      b += CO;
    }
    if (++oh == OH) {
      oh = 0;
      n++;
      row = a0 + n * xImage;
    } else {
      row += xRowStep;
    }
  }
  UNROLL
  for (int i = 0; i < MR; i++)
    UNROLL
    for (int v = 0; v < NV; v++) wasm_v128_store(out + (size_t)i * CO + 4 * v, acc[i][v]);
}

#define FILTER_TILE_ARGS                                                                                               \
  float *out, int CO, const float *a0, const float *b, int q0, int q1, int OH, int OW, size_t xImage, size_t xRowStep, \
      size_t xStep
#define DEFINE_FILTER_TILE(MR, NV)                                                                                     \
  static __attribute__((noinline)) void filter_tile_##MR##x##NV(FILTER_TILE_ARGS) {                                  \
    filter_tile(MR, NV, out, CO, a0, b, q0, q1, OH, OW, xImage, xRowStep, xStep);                                    \
  }
DEFINE_FILTER_TILE(4, 2)
DEFINE_FILTER_TILE(4, 1)
DEFINE_FILTER_TILE(3, 4)
DEFINE_FILTER_TILE(3, 3)
DEFINE_FILTER_TILE(3, 2)
DEFINE_FILTER_TILE(3, 1)
DEFINE_FILTER_TILE(2, 4)
DEFINE_FILTER_TILE(2, 2)
DEFINE_FILTER_TILE(2, 1)
DEFINE_FILTER_TILE(1, 4)
DEFINE_FILTER_TILE(1, 2)
DEFINE_FILTER_TILE(1, 1)

/* The same for `rows` rows and the last `cols` (< 4) columns, one scalar at a time. */
static __attribute__((noinline)) void filter_tile_scalar(int rows, int cols, FILTER_TILE_ARGS) {
  for (int i = 0; i < rows; i++) {
    for (int c = 0; c < cols; c++) {
      float s = 0;
      int n = q0 / OH;
      int oh = q0 - n * OH;
      const float *bq = b + c;
      for (int q = q0; q < q1; q++) {
        const float *a = a0 + n * xImage + oh * xRowStep + i;
        for (int ow = 0; ow < OW; ow++) s += a[ow * xStep] * bq[(size_t)ow * CO];
        bq += (size_t)OW * CO;
        if (++oh == OH) {
          oh = 0;
          n++;
        }
      }
      out[(size_t)i * CO + c] += s;
    }
  }
}

/* Rows r0 … r0+MR−1 of dW[kh] (MR ≤ 4), `cols` columns from `out`: the widest tiles first. */
static void filter_rows(int MR, int cols, FILTER_TILE_ARGS) {
  int c0 = 0;
#define TILES(W, F)                                                                                                    \
  for (; c0 + (W) <= cols; c0 += (W)) F(out + c0, CO, a0, b + c0, q0, q1, OH, OW, xImage, xRowStep, xStep);
  switch (MR) {
    case 4: TILES(8, filter_tile_4x2) TILES(4, filter_tile_4x1) break;
    /* Few rows (KW·CI = 3 in a first layer with one input channel): wider tiles. */
    case 3: TILES(16, filter_tile_3x4) TILES(12, filter_tile_3x3) TILES(8, filter_tile_3x2) TILES(4, filter_tile_3x1) break;
    case 2: TILES(16, filter_tile_2x4) TILES(8, filter_tile_2x2) TILES(4, filter_tile_2x1) break;
    default: TILES(16, filter_tile_1x4) TILES(8, filter_tile_1x2) TILES(4, filter_tile_1x1) break;
  }
#undef TILES
  if (c0 < cols) filter_tile_scalar(MR, cols - c0, out + c0, CO, a0, b + c0, q0, q1, OH, OW, xImage, xRowStep, xStep);
}

/*
 * Floats of scratch memory conv2d_filter_grad needs: the padded input, or 0 when the
 * window the convolution reads lies inside the input (it then reads the input directly).
 */
EXPORT("filter_grad_scratch")
size_t filter_grad_scratch(int N, int H, int W, int CI, int OH, int OW, int KH, int KW, int SH, int SW, int PT, int PL) {
  const int HP = (OH - 1) * SH + KH;
  const int WP = (OW - 1) * SW + KW;
  if (PT == 0 && PL == 0 && HP <= H && WP <= W) return 0;
  return (size_t)N * HP * WP * CI;
}

/*
 * dW (KH × KW × CI × CO, overwritten) of the convolution described above. `scratch` holds
 * filter_grad_scratch(…) floats. `chunk` is the number of output positions m summed per
 * pass over the tiles (the cache block of the reduction), `panel` the number of columns co
 * done per pass (a multiple of 4: the cache block of dy's rows).
 */
EXPORT("conv2d_filter_grad")
void conv2d_filter_grad(const float *x, const float *dy, float *dw, float *scratch, int N, int H, int W, int CI, int OH,
                        int OW, int CO, int KH, int KW, int SH, int SW, int PT, int PL, int chunk, int panel) {
  const int HP = (OH - 1) * SH + KH;
  const int WP = (OW - 1) * SW + KW;
  const float *xp = x;
  size_t xImage = (size_t)H * W * CI, xRow = (size_t)W * CI;
  if (filter_grad_scratch(N, H, W, CI, OH, OW, KH, KW, SH, SW, PT, PL) != 0) {
    pad_window(x, scratch, N, H, W, CI, -PT, -PL, HP, WP);
    xp = scratch;
    xImage = (size_t)HP * WP * CI;
    xRow = (size_t)WP * CI;
  }
  const int R = KW * CI;
  zero_floats(dw, (size_t)KH * R * CO);
  const int rowsTotal = N * OH;
  int rowsPerChunk = chunk / OW;
  if (rowsPerChunk < 1) rowsPerChunk = 1;
  if (panel < 4) panel = 4;
  for (int q0 = 0; q0 < rowsTotal; q0 += rowsPerChunk) {
    const int q1 = q0 + rowsPerChunk < rowsTotal ? q0 + rowsPerChunk : rowsTotal;
    const float *b = dy + (size_t)q0 * OW * CO;
    /* columns in panels, so that the chunk's rows of one panel of dy stay in cache */
    for (int p0 = 0; p0 < CO; p0 += panel) {
      const int cols = CO - p0 < panel ? CO - p0 : panel;
      for (int kh = 0; kh < KH; kh++) {
        for (int r0 = 0; r0 < R; r0 += 4) {
          const int MR = R - r0 < 4 ? R - r0 : 4;
          filter_rows(MR, cols, dw + ((size_t)kh * R + r0) * CO + p0, CO, xp + kh * xRow + r0, b + p0, q0, q1, OH, OW,
                      xImage, SH * xRow, (size_t)SW * CI);
        }
      }
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Input gradient                                                                              */
/* ------------------------------------------------------------------------------------------ */
/*
 *   dx[n, ih, iw, ci] = Σ_{kh, kw, co} dy[n, oh, ow, co] · w[kh, kw, ci, co]
 *        over oh·SH = ih + PT − kh and ow·SW = iw + PL − kw (exact division, 0 ≤ oh < OH, 0 ≤ ow < OW)
 *
 * Sub-pixel (phase) form: write t = ih + PT = qh·SH + ph (0 ≤ ph < SH). Only the taps
 * kh = ph + jh·SH (jh = 0 … Jh−1, Jh = ⌈(KH − ph)/SH⌉) reach row ih, from dy row oh = qh − jh;
 * likewise for columns. So each dx pixel is a dot product over its phase's taps × CO, and
 * the pixels of one phase along a row (iw, iw + SW, iw + 2·SW, …) read consecutive dy columns
 * (qw, qw + 1, …) for each tap. No multiply by an inserted zero is done.
 *
 * dy is copied into a zero-padded dyp wide enough that every (pixel, tap) pair reads inside
 * it, and the filter into panels of L = 8 (then 4) input channels, wp[panel][kh, kw, co, L],
 * so that one panel — every tap's weights for those channels — is a contiguous block that
 * stays in cache while a whole row of dx is computed. Tiling: MR pixels of one phase along a
 * row (broadcast dyp[pixel, co]) × L channels (vector loads from the panel), the reduction
 * over (tap, co) innermost; the tile is stored straight into dx. Loop order: image, dx row,
 * panel, phase, tile.
 * The last CI mod 4 channels (all of them when CI < 4) cannot fill a vector; there the
 * reduction's co runs in the lanes instead (dot products of dyp rows with w's rows, w as
 * given: co contiguous) and each pixel's lanes are summed at the end.
 */

/*
 * Bounds of the padded dy along one axis (input length L, output length O, filter K, stride S,
 * padding P): pixels read dy index q − j for q ∈ [⌊P/S⌋, ⌊(L − 1 + P)/S⌋] and j ∈ [0, ⌈K/S⌉);
 * the padded axis spans [lo, lo + count) ⊇ that range and [0, O).
 */
INLINE void input_axis(int L, int O, int K, int S, int P, int *lo, int *count) {
  const int jMax = (K + S - 1) / S;
  const int qMin = P / S;
  const int qMax = (L - 1 + P) / S;
  int a = qMin - jMax + 1;
  if (a > 0) a = 0;
  const int b = qMax > O - 1 ? qMax : O - 1;
  *lo = a;
  *count = b - a + 1;
}

/*
 * MR pixels × NV·4 channels of dx, all of one phase (ph, pw) and one row: pixel p is
 * dx[n, ih, iw0 + p·SW, ci0 …], whose taps are (jh, jw) ∈ [0, Jh) × [0, Jw).
 *   out = &dx[n, ih, iw0, ci0]; pixel p at out + p·outStep (outStep = SW·CI)
 *   a0  = &dyp[n, qh, qw, 0] (tap (0, 0) of pixel 0); tap (jh, jw) of pixel p reads
 *         a0 − jh·dyRow − jw·CO + p·CO   (dy row qh − jh, column qw + p − jw)
 *   b0  = &wp[panel][ph, pw, 0, 0]; tap (jh, jw) at b0 + jh·bRow + jw·bCol, then bStep (= 4·NV) floats per co
 *   acc[p] += Σ_{taps} Σ_co dyp[…, co] · wp[panel][kh, kw, co, 0 … 4·NV−1]
 */
INLINE void input_tile(const int MR, const int NV, float *out, size_t outStep, const float *a0, size_t dyRow,
                       const float *b0, size_t bRow, size_t bCol, int Jh, int Jw, int CO, int bStep) {
  v128_t acc[4][4];
  UNROLL
  for (int p = 0; p < MR; p++)
    UNROLL
    for (int v = 0; v < NV; v++) acc[p][v] = wasm_f32x4_splat(0);
  for (int jh = 0; jh < Jh; jh++) {
    for (int jw = 0; jw < Jw; jw++) {
      const float *a = a0 - jh * dyRow - (size_t)jw * CO;
      const float *b = b0 + jh * bRow + jw * bCol;
      for (int co = 0; co < CO; co++) {
        v128_t bv[4];
        UNROLL
        for (int v = 0; v < NV; v++) bv[v] = wasm_v128_load(b + 4 * v);
        UNROLL
        for (int p = 0; p < MR; p++) {
          const v128_t av = wasm_v128_load32_splat(a + (size_t)p * CO);
          UNROLL
          for (int v = 0; v < NV; v++) acc[p][v] = madd(acc[p][v], av, bv[v]);
        }
        a += 1;
        b += bStep;
      }
    }
  }
  UNROLL
  for (int p = 0; p < MR; p++)
    UNROLL
    for (int v = 0; v < NV; v++) wasm_v128_store(out + p * outStep + 4 * v, acc[p][v]);
}

#define INPUT_TILE_ARGS                                                                                                \
  float *out, size_t outStep, const float *a0, size_t dyRow, const float *b0, size_t bRow, size_t bCol, int Jh, int Jw, \
      int CO, int bStep
#define INPUT_TILE_CALL out, outStep, a0, dyRow, b0, bRow, bCol, Jh, Jw, CO, bStep
#define DEFINE_INPUT_TILE(MR, NV)                                                                                      \
  static __attribute__((noinline)) void input_tile_##MR##x##NV(INPUT_TILE_ARGS) {                                    \
    input_tile(MR, NV, INPUT_TILE_CALL);                                                                              \
  }
DEFINE_INPUT_TILE(4, 2)
DEFINE_INPUT_TILE(4, 1)
DEFINE_INPUT_TILE(3, 2)
DEFINE_INPUT_TILE(3, 1)
DEFINE_INPUT_TILE(2, 2)
DEFINE_INPUT_TILE(2, 1)
DEFINE_INPUT_TILE(1, 2)
DEFINE_INPUT_TILE(1, 1)

/* Horizontal sum of a vector's 4 lanes. */
INLINE float lane_sum(v128_t v) {
  const v128_t h = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_f32x4_extract_lane(wasm_f32x4_add(h, wasm_i32x4_shuffle(h, h, 1, 0, 3, 2)), 0);
}

/*
 * Channels that do not fill a vector: MR pixels × one channel ci as dot products with co in
 * the lanes,
 *   dx[pixel p, ci] = Σ_{taps} Σ_co dyp[pixel p's tap position, co] · w[kh, kw, ci, co],
 * b0 = &w[ph, pw, ci, 0] (the filter as given: co contiguous), taps as in input_tile
 * (bStep unused). The last CO mod 4 terms are summed as scalars.
 */
INLINE void input_tile_dot(const int MR, INPUT_TILE_ARGS) {
  v128_t acc[4];
  float tail[4];
  UNROLL
  for (int p = 0; p < MR; p++) {
    acc[p] = wasm_f32x4_splat(0);
    tail[p] = 0;
  }
  (void)bStep;
  const int CO4 = CO & ~3;
  for (int jh = 0; jh < Jh; jh++) {
    for (int jw = 0; jw < Jw; jw++) {
      const float *a = a0 - jh * dyRow - (size_t)jw * CO;
      const float *b = b0 + jh * bRow + jw * bCol;
      int co = 0;
      for (; co < CO4; co += 4) {
        const v128_t bv = wasm_v128_load(b + co);
        UNROLL
        for (int p = 0; p < MR; p++) acc[p] = madd(acc[p], wasm_v128_load(a + (size_t)p * CO + co), bv);
      }
      for (; co < CO; co++)
        UNROLL
        for (int p = 0; p < MR; p++) tail[p] += a[(size_t)p * CO + co] * b[co];
    }
  }
  UNROLL
  for (int p = 0; p < MR; p++) out[p * outStep] = lane_sum(acc[p]) + tail[p];
}

#define DEFINE_INPUT_DOT(MR)                                                                                           \
  static __attribute__((noinline)) void input_dot_##MR(INPUT_TILE_ARGS) { input_tile_dot(MR, INPUT_TILE_CALL); }
DEFINE_INPUT_DOT(4)
DEFINE_INPUT_DOT(3)
DEFINE_INPUT_DOT(2)
DEFINE_INPUT_DOT(1)

/* Floats of scratch memory conv2d_input_grad needs: the padded dy and the filter panels. */
EXPORT("input_grad_scratch")
size_t input_grad_scratch(int N, int H, int W, int CI, int OH, int OW, int CO, int KH, int KW, int SH, int SW, int PT,
                          int PL) {
  int rLo, HQ, cLo, WQ;
  input_axis(H, OH, KH, SH, PT, &rLo, &HQ);
  input_axis(W, OW, KW, SW, PL, &cLo, &WQ);
  return (size_t)N * HQ * WQ * CO + (size_t)KH * KW * CO * (CI & ~3);
}

/* One tile of MR (≤ 4) pixels × L (8 or 4) channels, by the tile function of that shape. */
static void input_tile_any(int MR, int L, INPUT_TILE_ARGS) {
  if (L == 8) {
    switch (MR) {
      case 4: input_tile_4x2(INPUT_TILE_CALL); break;
      case 3: input_tile_3x2(INPUT_TILE_CALL); break;
      case 2: input_tile_2x2(INPUT_TILE_CALL); break;
      default: input_tile_1x2(INPUT_TILE_CALL); break;
    }
  } else {
    switch (MR) {
      case 4: input_tile_4x1(INPUT_TILE_CALL); break;
      case 3: input_tile_3x1(INPUT_TILE_CALL); break;
      case 2: input_tile_2x1(INPUT_TILE_CALL); break;
      default: input_tile_1x1(INPUT_TILE_CALL); break;
    }
  }
}

/* One channel of MR (≤ 4) pixels as dot products. */
static void input_dot_any(int MR, INPUT_TILE_ARGS) {
  switch (MR) {
    case 4: input_dot_4(INPUT_TILE_CALL); break;
    case 3: input_dot_3(INPUT_TILE_CALL); break;
    case 2: input_dot_2(INPUT_TILE_CALL); break;
    default: input_dot_1(INPUT_TILE_CALL); break;
  }
}

/* dx (N × H × W × CI, overwritten) of the convolution described above; `scratch` holds input_grad_scratch(…) floats. */
EXPORT("conv2d_input_grad")
void conv2d_input_grad(const float *dy, const float *w, float *dx, float *scratch, int N, int H, int W, int CI, int OH,
                       int OW, int CO, int KH, int KW, int SH, int SW, int PT, int PL) {
  int rLo, HQ, cLo, WQ;
  input_axis(H, OH, KH, SH, PT, &rLo, &HQ);
  input_axis(W, OW, KW, SW, PL, &cLo, &WQ);
  float *dyp = scratch;
  float *wp = scratch + (size_t)N * HQ * WQ * CO;
  pad_window(dy, dyp, N, OH, OW, CO, rLo, cLo, HQ, WQ);
  const int K = KH * KW;
  /* Panels: channels [c0, c0 + L) with L = 8 while 8 remain, then 4; the panel of c0 starts at
   * wp + c0·K·CO and holds wp[k, co, l] = w[k, c0 + l, co]. Channels past CI & ~3 stay in w. */
  const int CIv = CI & ~3;
  for (int c0 = 0; c0 < CIv;) {
    const int L = CIv - c0 >= 8 ? 8 : 4;
    float *panel = wp + (size_t)c0 * K * CO;
    for (int k = 0; k < K; k++)
      for (int co = 0; co < CO; co++)
        for (int l = 0; l < L; l++) panel[((size_t)k * CO + co) * L + l] = w[((size_t)k * CI + c0 + l) * CO + co];
    c0 += L;
  }
  const size_t dyRow = (size_t)WQ * CO;
  const size_t outStep = (size_t)SW * CI;
  for (int n = 0; n < N; n++) {
    for (int ih = 0; ih < H; ih++) {
      const int qh = (ih + PT) / SH, ph = (ih + PT) % SH;
      const int Jh = ph < KH ? (KH - ph + SH - 1) / SH : 0;
      float *dxRow = dx + ((size_t)n * H + ih) * W * CI;
      const float *dyRowQ = dyp + ((size_t)n * HQ + (qh - rLo)) * dyRow; /* dy row qh, padded column 0 */
      for (int c0 = 0; c0 < CI;) {
        /* channels [c0, c0 + L): a panel of 8 or 4, or (L = 1) one channel as dot products */
        const int L = c0 < CIv ? (CIv - c0 >= 8 ? 8 : 4) : 1;
        for (int pw = 0; pw < SW; pw++) {
          /* the columns iw of phase pw: (iw + PL) mod SW = pw, from iwFirst in steps of SW */
          const int iwFirst = ((pw - PL) % SW + SW) % SW;
          if (iwFirst >= W) continue;
          const int count = (W - iwFirst + SW - 1) / SW;
          const int Jw = pw < KW ? (KW - pw + SW - 1) / SW : 0;
          const int qwFirst = (iwFirst + PL) / SW;
          /* first tap of the phase (unused when it has none: Jh·Jw = 0) */
          const size_t k0 = (ph < KH && pw < KW) ? (size_t)ph * KW + pw : 0;
          for (int p = 0; p < count; p += 4) {
            const int MR = count - p < 4 ? count - p : 4;
            float *out = dxRow + (iwFirst + (size_t)p * SW) * CI + c0;
            const float *a0 = dyRowQ + (size_t)(qwFirst + p - cLo) * CO;
            if (L > 1) {
              const size_t tap = (size_t)CO * L;
              input_tile_any(MR, L, out, outStep, a0, dyRow, wp + (size_t)c0 * K * CO + k0 * tap, SH * KW * tap, SW * tap,
                             Jh, Jw, CO, L);
            } else {
              const size_t tap = (size_t)CI * CO;
              input_dot_any(MR, out, outStep, a0, dyRow, w + k0 * tap + (size_t)c0 * CO, SH * KW * tap, SW * tap, Jh, Jw,
                            CO, 0);
            }
          }
        }
        c0 += L;
      }
    }
  }
}
