/*
 * Element-wise training kernels for ll4al's wasm backend, in WebAssembly SIMD (f32x4):
 * ReLU's gradient and batch normalisation in training mode (channels last).
 *
 * Build: scripts/build-wasm-kernels.sh, with the same rules as convGrad.c: the module imports
 * tfjs-backend-wasm's memory and works in place on its tensors, so it owns no memory (no data
 * segment, no global — hence no shadow stack), keeps its state in locals and touches memory
 * only through the pointers it is given (tensors, and scratch the caller allocated with tfjs's
 * allocator). The build script checks the binary for both.
 *
 * Batch norm layout: x is NHWC (or any rank ≥ 2 with channels last) seen as a row-major
 * [M, C] matrix, M = the product of the other axes; statistics are per channel (column).
 *
 * Channel counts that are not a multiple of 4: the flat array is walked in "periods" of
 * L = lcm(C, 4) floats (L = C when 4 divides C, at most 4·C otherwise). Float j of every period
 * belongs to channel j mod C, so a period is a whole number of f32x4 vectors whose lanes have
 * fixed channels; per-channel parameters are expanded into an L-float array of the same
 * pattern (`expand`), and per-lane sums are folded back to C channels at the end. The last
 * M·C mod L floats (fewer than one period) are handled by scalar code.
 *
 * Numerics of the sums (float32 data, n = M values per channel, up to ~10⁵–10⁶): each lane
 * accumulates in f32 over a block of at most BLOCK_ROWS periods (error ≲ BLOCK_ROWS·2⁻²⁴
 * relative to the block's absolute sum), then the block sum is added to an f64 total. The f64
 * totals make the error independent of n, and the f32 blocks keep the inner loops at four
 * lanes per instruction. The variance is computed in a second pass as the mean of (x − μ)²
 * (two-pass: no cancellation as in E[x²] − μ²); the gradient's Σ dy·(x − μ) likewise uses
 * the centred x.
 */
#include <wasm_simd128.h>

typedef __SIZE_TYPE__ size_t;

#define INLINE static inline __attribute__((always_inline))
#define EXPORT(name) __attribute__((export_name(name)))

/* Periods summed in f32 before the block sum goes into the f64 totals. */
#define BLOCK_ROWS 64

/* ------------------------------------------------------------------------------------------ */
/* ReLU gradient                                                                               */
/* ------------------------------------------------------------------------------------------ */
/*
 *   dx[i] = dy[i] · step(x[i]),   step(x) = 1 if x > 0, 0 if x ≤ 0, NaN if x is NaN
 *
 * exactly as tfjs's own Relu gradient (mul(dy, step(x))), bit for bit: a product, not a
 * select, so that dy = ±∞ at x ≤ 0 gives NaN and a negative dy gives −0, as there.
 */
/* step(x) of four lanes: 1.0 where x > 0, else +0.0; then x itself (a NaN) where x is NaN (x ≠ x) */
INLINE v128_t step4(v128_t xv) {
  const v128_t step = wasm_v128_and(wasm_f32x4_splat(1.0f), wasm_f32x4_gt(xv, wasm_f32x4_splat(0.0f)));
  return wasm_v128_bitselect(xv, step, wasm_f32x4_ne(xv, xv));
}

/* step(v) of one float, as step4 */
INLINE float step1(float v) { return v > 0.0f ? 1.0f : (v != v ? v : 0.0f); }

EXPORT("relu_grad")
void relu_grad(const float *dy, const float *x, float *dx, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), step4(wasm_v128_load(x + i))));
  for (; i < n; i++) dx[i] = dy[i] * step1(x[i]);
}

/* ------------------------------------------------------------------------------------------ */
/* Broadcast over the middle axes (the gradient of a sum or mean over a block of axes)          */
/* ------------------------------------------------------------------------------------------ */
/*
 *   dst[o, i, c] = src[o, c]   for o < outer, i < inner, c < C
 *
 * a copy, so the values are src's bit for bit. tfjs's form (src broadcast against a tensor of
 * ones) takes a fill and a broadcasting multiply: two passes over dst and one over the ones.
 */
EXPORT("broadcast_middle")
void broadcast_middle(const float *src, float *dst, size_t outer, size_t inner, size_t C) {
  for (size_t o = 0; o < outer; o++) {
    const float *row = src + o * C;
    float *out = dst + o * inner * C;
    if (C == 1) {
      const v128_t v = wasm_f32x4_splat(row[0]);
      size_t i = 0;
      for (; i + 4 <= inner; i += 4) wasm_v128_store(out + i, v);
      for (; i < inner; i++) out[i] = row[0];
      continue;
    }
    for (size_t i = 0; i < inner; i++, out += C) {
      size_t c = 0;
      for (; c + 4 <= C; c += 4) wasm_v128_store(out + c, wasm_v128_load(row + c));
      for (; c < C; c++) out[c] = row[c];
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Batch norm: helpers                                                                         */
/* ------------------------------------------------------------------------------------------ */

/* lcm(C, 4): the period in floats. */
INLINE size_t period_of(size_t C) { return (C & 3) == 0 ? C : ((C & 1) ? 4 * C : 2 * C); }

/*
 * Scratch floats the batch-norm kernels need for C channels (the caller allocates them, 8-byte
 * aligned): two f64 totals of L lanes each (4·L floats), then four expanded per-channel arrays
 * of L floats (4·L).
 */
EXPORT("bn_scratch_floats")
size_t bn_scratch_floats(size_t C) { return 8 * period_of(C); }

/* dst[j] = src[j mod C] for 0 ≤ j < L: a per-channel parameter expanded to one period. */
static void expand(float *dst, const float *src, size_t C, size_t L) {
  for (size_t j = 0; j < L; j++) dst[j] = src[j % C];
}

/* t[j] += four f32 lanes, as two f64x2 halves. */
INLINE void add_to_f64(double *t, v128_t lanes) {
  wasm_v128_store(t, wasm_f64x2_add(wasm_v128_load(t), wasm_f64x2_promote_low_f32x4(lanes)));
  const v128_t high = wasm_i32x4_shuffle(lanes, lanes, 2, 3, 2, 3);
  wasm_v128_store(t + 2, wasm_f64x2_add(wasm_v128_load(t + 2), wasm_f64x2_promote_low_f32x4(high)));
}

/*
 * Per-lane sums over the P whole periods of the flat array, into f64 totals of L lanes:
 *   SQUARES = 0:       s1[j] += Σ_p a[p·L + j]                           (b, c, s2 unused)
 *   SQUARES = 1:       s1[j] += Σ_p (a[p·L + j] − c[j])²                 (b, s2 unused)
 *   SQUARES = 2:       s1[j] += Σ_p a[p·L + j],  s2[j] += Σ_p a[p·L + j]·(b[p·L + j] − c[j])
 * where, if `mask` is given (SQUARES = 2 only), a[i] is read as a[i]·step(mask[i]): the
 * gradient of a ReLU applied after the batch norm, mask being its output.
 * Blocks of BLOCK_ROWS periods; within a block, 16 lanes (four vectors) at a time are summed
 * down the block in registers, then a single vector for the rest of the period (L is a
 * multiple of 4).
 */
INLINE void period_sums(const float *a, const float *b, const float *c, const float *mask, double *s1, double *s2, size_t P,
                        size_t L, int SQUARES) {
  for (size_t p0 = 0; p0 < P; p0 += BLOCK_ROWS) {
    const size_t rows = P - p0 < BLOCK_ROWS ? P - p0 : BLOCK_ROWS;
    const float *ab = a + p0 * L;
    const float *bb = b + p0 * L;
    size_t j = 0;
    for (; j + 16 <= L; j += 16) {
      v128_t u0 = wasm_f32x4_splat(0.0f), u1 = u0, u2 = u0, u3 = u0;
      v128_t w0 = u0, w1 = u0, w2 = u0, w3 = u0;
      v128_t c0 = u0, c1 = u0, c2 = u0, c3 = u0;
      if (SQUARES) {
        c0 = wasm_v128_load(c + j), c1 = wasm_v128_load(c + j + 4);
        c2 = wasm_v128_load(c + j + 8), c3 = wasm_v128_load(c + j + 12);
      }
      for (size_t r = 0; r < rows; r++) {
        const float *ar = ab + r * L + j;
        v128_t a0 = wasm_v128_load(ar), a1 = wasm_v128_load(ar + 4), a2 = wasm_v128_load(ar + 8), a3 = wasm_v128_load(ar + 12);
        if (SQUARES == 2 && mask) {
          const float *mr = mask + (p0 + r) * L + j;
          a0 = wasm_f32x4_mul(a0, step4(wasm_v128_load(mr))), a1 = wasm_f32x4_mul(a1, step4(wasm_v128_load(mr + 4)));
          a2 = wasm_f32x4_mul(a2, step4(wasm_v128_load(mr + 8))), a3 = wasm_f32x4_mul(a3, step4(wasm_v128_load(mr + 12)));
        }
        if (SQUARES == 1) {
          a0 = wasm_f32x4_sub(a0, c0), a1 = wasm_f32x4_sub(a1, c1), a2 = wasm_f32x4_sub(a2, c2), a3 = wasm_f32x4_sub(a3, c3);
          u0 = wasm_f32x4_add(u0, wasm_f32x4_mul(a0, a0)), u1 = wasm_f32x4_add(u1, wasm_f32x4_mul(a1, a1));
          u2 = wasm_f32x4_add(u2, wasm_f32x4_mul(a2, a2)), u3 = wasm_f32x4_add(u3, wasm_f32x4_mul(a3, a3));
        } else {
          u0 = wasm_f32x4_add(u0, a0), u1 = wasm_f32x4_add(u1, a1), u2 = wasm_f32x4_add(u2, a2), u3 = wasm_f32x4_add(u3, a3);
        }
        if (SQUARES == 2) {
          const float *br = bb + r * L + j;
          w0 = wasm_f32x4_add(w0, wasm_f32x4_mul(a0, wasm_f32x4_sub(wasm_v128_load(br), c0)));
          w1 = wasm_f32x4_add(w1, wasm_f32x4_mul(a1, wasm_f32x4_sub(wasm_v128_load(br + 4), c1)));
          w2 = wasm_f32x4_add(w2, wasm_f32x4_mul(a2, wasm_f32x4_sub(wasm_v128_load(br + 8), c2)));
          w3 = wasm_f32x4_add(w3, wasm_f32x4_mul(a3, wasm_f32x4_sub(wasm_v128_load(br + 12), c3)));
        }
      }
      add_to_f64(s1 + j, u0), add_to_f64(s1 + j + 4, u1), add_to_f64(s1 + j + 8, u2), add_to_f64(s1 + j + 12, u3);
      if (SQUARES == 2) {
        add_to_f64(s2 + j, w0), add_to_f64(s2 + j + 4, w1), add_to_f64(s2 + j + 8, w2), add_to_f64(s2 + j + 12, w3);
      }
    }
    for (; j < L; j += 4) {
      v128_t u = wasm_f32x4_splat(0.0f), w = u;
      const v128_t cv = SQUARES ? wasm_v128_load(c + j) : u;
      for (size_t r = 0; r < rows; r++) {
        v128_t av = wasm_v128_load(ab + r * L + j);
        if (SQUARES == 2 && mask) av = wasm_f32x4_mul(av, step4(wasm_v128_load(mask + (p0 + r) * L + j)));
        if (SQUARES == 1) {
          av = wasm_f32x4_sub(av, cv);
          u = wasm_f32x4_add(u, wasm_f32x4_mul(av, av));
        } else {
          u = wasm_f32x4_add(u, av);
        }
        if (SQUARES == 2) w = wasm_f32x4_add(w, wasm_f32x4_mul(av, wasm_f32x4_sub(wasm_v128_load(bb + r * L + j), cv)));
      }
      add_to_f64(s1 + j, u);
      if (SQUARES == 2) add_to_f64(s2 + j, w);
    }
  }
}

/* Zeroes n doubles (memory.fill). */
INLINE void zero_doubles(double *p, size_t n) { __builtin_memset(p, 0, n * sizeof(double)); }

/* Folds lane totals to channels: t[c] = Σ_{j ≡ c mod C} t[j] for c < C (in place; C ≤ L). */
static void fold(double *t, size_t C, size_t L) {
  for (size_t j = C; j < L; j++) t[j % C] += t[j];
}

/*
 * out[i] = (a[i] − m[j])·g[j] + h[j] + (b ? k[j]·b[i] : 0),  j = i mod L (i mod C for the
 * tail), over the flat array of M·C floats, with m, g, h, k expanded to one period:
 * the output pass of both the forward (b = 0) and the backward kernel. With `mask`, b[i] is
 * read as b[i]·step(mask[i]) (the gradient through a ReLU after the batch norm); with `relu`,
 * out[i] is max(out[i], 0) (NaN kept, as tfjs's Relu).
 */
static void affine_pass(const float *a, const float *b, const float *mask, float *out, const float *m, const float *g, const float *h,
                        const float *k, size_t total, size_t L, int relu) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  const size_t P = total / L;
  for (size_t p = 0; p < P; p++) {
    const float *ap = a + p * L;
    float *op = out + p * L;
    if (b) {
      const float *bp = b + p * L;
      const float *mp = mask ? mask + p * L : 0;
      for (size_t j = 0; j < L; j += 4) {
        const v128_t centred = wasm_f32x4_sub(wasm_v128_load(ap + j), wasm_v128_load(m + j));
        v128_t v = wasm_f32x4_add(wasm_f32x4_mul(centred, wasm_v128_load(g + j)), wasm_v128_load(h + j));
        v128_t bv = wasm_v128_load(bp + j);
        if (mp) bv = wasm_f32x4_mul(bv, step4(wasm_v128_load(mp + j)));
        v = wasm_f32x4_add(v, wasm_f32x4_mul(bv, wasm_v128_load(k + j)));
        wasm_v128_store(op + j, v);
      }
    } else {
      for (size_t j = 0; j < L; j += 4) {
        const v128_t centred = wasm_f32x4_sub(wasm_v128_load(ap + j), wasm_v128_load(m + j));
        v128_t v = wasm_f32x4_add(wasm_f32x4_mul(centred, wasm_v128_load(g + j)), wasm_v128_load(h + j));
        /* pmax(v, 0) = v < 0 ? 0 : v (one maxps; NaN passes through) */
        if (relu) v = wasm_f32x4_pmax(v, zero);
        wasm_v128_store(op + j, v);
      }
    }
  }
  /* tail: fewer than L floats; float t of it is lane t of a period (P·L is a multiple of C) */
  for (size_t i = P * L, t = 0; i < total; i++, t++) {
    float v = (a[i] - m[t]) * g[t] + h[t];
    if (b) v += (mask ? b[i] * step1(mask[i]) : b[i]) * k[t];
    if (relu && v < 0.0f) v = 0.0f;
    out[i] = v;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Batch norm: forward                                                                         */
/* ------------------------------------------------------------------------------------------ */
/*
 * Training-mode batch norm of x [M, C] (M ≥ 1), per channel c:
 *   μ[c]  = (1/M) Σ_r x[r, c]
 *   σ²[c] = (1/M) Σ_r (x[r, c] − μ[c])²          (biased; second pass over x)
 *   y[r, c] = (x[r, c] − μ[c])·γ[c]·s[c] + β[c],  s[c] = 1/√(σ²[c] + ε)
 * Three passes over x (sum, centred squares, output). Writes y [M, C], mean [C], variance [C].
 * With relu ≠ 0, y is max(y, 0) (a ReLU after the batch norm, fused into the output pass).
 * scratch: bn_scratch_floats(C) floats, 8-byte aligned.
 */
EXPORT("bn_forward")
void bn_forward(const float *x, const float *gamma, const float *beta, float *y, float *mean, float *variance, size_t M, size_t C,
                float epsilon, float *scratch, int relu) {
  const size_t L = period_of(C), total = M * C, P = total / L;
  double *sum = (double *)scratch;  /* L doubles */
  float *m = scratch + 4 * L;       /* expanded parameters: μ, γ·s, β */
  float *g = m + L;
  float *h = g + L;
  const double inverseM = 1.0 / (double)M;

  /* pass 1: μ */
  zero_doubles(sum, L);
  period_sums(x, x, m, 0, sum, sum, P, L, 0);
  for (size_t i = P * L, t = 0; i < total; i++, t++) sum[t] += x[i];
  fold(sum, C, L);
  for (size_t c = 0; c < C; c++) mean[c] = (float)(sum[c] * inverseM);

  /* pass 2: σ² about the f32 mean (the value y subtracts) */
  expand(m, mean, C, L);
  zero_doubles(sum, L);
  period_sums(x, x, m, 0, sum, sum, P, L, 1);
  for (size_t i = P * L, t = 0; i < total; i++, t++) {
    const double d = (double)x[i] - (double)m[t];
    sum[t] += d * d;
  }
  fold(sum, C, L);
  for (size_t c = 0; c < C; c++) {
    const double v = sum[c] * inverseM;
    variance[c] = (float)v;
    /* γ·s in f64 (s from the f32 variance, as the backward pass computes it), rounded once;
       h's first C floats hold it until it is expanded into g */
    h[c] = (float)((double)gamma[c] / __builtin_sqrt((double)(float)v + (double)epsilon));
  }
  expand(g, h, C, L);
  expand(h, beta, C, L);

  /* pass 3: y */
  affine_pass(x, 0, 0, y, m, g, h, 0, total, L, relu);
}

/* ------------------------------------------------------------------------------------------ */
/* Batch norm: backward                                                                        */
/* ------------------------------------------------------------------------------------------ */
/*
 * The gradient of bn_forward's y (μ and σ² included, as functions of x), with
 * s = 1/√(σ² + ε), x̂ = (x − μ)·s, n = M, sums over the rows r:
 *   dβ[c] = Σ dy[r, c]
 *   dγ[c] = Σ dy·x̂ = s·Σ dy·(x − μ)
 *   dx[r, c] = γ·s·(dy − (Σ dy)/n − x̂·(Σ dy·x̂)/n)
 *            = (x − μ)·slope + shift + a·dy,   a = γ·s,  shift = −a·(Σ dy)/n,
 *                                               slope = −a·s²·(Σ dy·(x − μ))/n
 * Two passes: the two sums (reading dy and x), then dx. Per-channel values in f64.
 * mean and variance are bn_forward's outputs. With `y` (bn_forward's output with relu ≠ 0; 0
 * otherwise), dy is the gradient of the ReLU's output and is read as dy·step(y) throughout.
 * scratch: bn_scratch_floats(C) floats, 8-byte aligned.
 */
EXPORT("bn_backward")
void bn_backward(const float *dy, const float *x, const float *mean, const float *variance, const float *gamma, float *dx,
                 float *dgamma, float *dbeta, size_t M, size_t C, float epsilon, float *scratch, const float *y) {
  const size_t L = period_of(C), total = M * C, P = total / L;
  double *sumDy = (double *)scratch;  /* L doubles */
  double *sumDyXc = sumDy + L;        /* L doubles */
  float *m = scratch + 4 * L;         /* expanded parameters: μ, slope, shift, a */
  float *slope = m + L;
  float *shift = slope + L;
  float *a = shift + L;
  const double inverseM = 1.0 / (double)M;

  /* pass 1: Σ dy and Σ dy·(x − μ) */
  expand(m, mean, C, L);
  zero_doubles(sumDy, 2 * L);
  period_sums(dy, x, m, y, sumDy, sumDyXc, P, L, 2);
  for (size_t i = P * L, t = 0; i < total; i++, t++) {
    const float d = y ? dy[i] * step1(y[i]) : dy[i];
    sumDy[t] += d;
    sumDyXc[t] += (double)d * ((double)x[i] - (double)m[t]);
  }
  fold(sumDy, C, L);
  fold(sumDyXc, C, L);

  /* per channel: dβ, dγ, and dx's coefficients (into the first C floats of their arrays) */
  for (size_t c = 0; c < C; c++) {
    const double s = 1.0 / __builtin_sqrt((double)variance[c] + (double)epsilon);
    const double ac = (double)gamma[c] * s;
    const double sDy = sumDy[c], sDyXc = sumDyXc[c];
    dbeta[c] = (float)sDy;
    dgamma[c] = (float)(s * sDyXc);
    slope[c] = (float)(-ac * s * s * sDyXc * inverseM);
    shift[c] = (float)(-ac * sDy * inverseM);
    a[c] = (float)ac;
  }
  /* expanded in place, from the end backwards (lane j takes channel j mod C ≤ j) */
  for (size_t j = L; j-- > C;) {
    slope[j] = slope[j % C];
    shift[j] = shift[j % C];
    a[j] = a[j % C];
  }

  /* pass 2: dx = (x − μ)·slope + shift + a·dy */
  affine_pass(x, dy, y, dx, m, slope, shift, a, total, L, 0);
}
