// Few-row linear layers (decode): y[n, lo..<hi] = x[n, k] W[lo..<hi, k]^T (+ bias, + y), W fp32 or bf16.
//
// Columns are taken in blocks of BLOCK_COLS weight rows; each block is streamed from memory once and dotted with
// every activation row, up to 8 rows per pass (8 accumulators; later passes find the block in cache). Decode is
// bound by the bytes of W read, so the goal is one sequential read of W per call.
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"
#include "simd.h"

#define BLOCK_COLS 16
#define MAX_ROWS 8
// Software prefetch distance in bytes ahead of the weight stream: the hardware prefetcher alone leaves the loop
// waiting on memory when each line is used by several rows (measured: 8 rows ran at 9 GB/s without it).
#ifndef PREFETCH_BYTES
#define PREFETCH_BYTES 2048
#endif
#define PREFETCH(p) _mm_prefetch((const char *)(p) + PREFETCH_BYTES, _MM_HINT_T0)

GK_INLINE void store_out(float *y, size_t m, size_t j, const float *bias, int accumulate, const float *sums,
                         int nr) {
    float b = bias ? bias[j] : 0;
    for (int r = 0; r < nr; r++) {
        float *out = y + (size_t)r * m + j;
        *out = (accumulate ? *out : 0) + sums[r] + b;
    }
}

// ---- Portable ------------------------------------------------------------------------------------------------

static void linear_f32_portable(const float *x, size_t n, size_t k, const float *w, const float *bias, size_t m,
                                size_t lo, size_t hi, float *y, int accumulate) {
    for (size_t j = lo; j < hi; j++) {
        for (size_t r = 0; r < n; r++) {
            float s = 0;
            for (size_t i = 0; i < k; i++) s += x[r * k + i] * w[j * k + i];
            float *out = y + r * m + j;
            *out = (accumulate ? *out : 0) + s + (bias ? bias[j] : 0);
        }
    }
}

static void linear_bf16_portable(const float *x, size_t n, size_t k, const uint16_t *w, const float *bias,
                                 size_t m, size_t lo, size_t hi, float *y, int accumulate) {
    for (size_t j = lo; j < hi; j++) {
        for (size_t r = 0; r < n; r++) {
            float s = 0;
            for (size_t i = 0; i < k; i++) {
                uint32_t bits = (uint32_t)w[j * k + i] << 16;
                float wv;
                memcpy(&wv, &bits, 4);
                s += x[r * k + i] * wv;
            }
            float *out = y + r * m + j;
            *out = (accumulate ? *out : 0) + s + (bias ? bias[j] : 0);
        }
    }
}

#if GK_X86
// ---- AVX2: 8 lanes, weights widened to fp32 --------------------------------------------------------------------

GK_INLINE GK_AVX2 __m256 load_w_avx2(const float *w) { return _mm256_loadu_ps(w); }
GK_INLINE GK_AVX2 __m256 load_w_avx2_bf16(const uint16_t *w) {
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)w));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}
GK_INLINE float widen(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

#define AVX2_COLUMN(NAME, WTYPE, LOADW, SCALARW)                                                                 \
    GK_INLINE GK_AVX2 void NAME(const float *x, size_t k, const WTYPE *wj, const int nr, float *sums) {          \
        __m256 acc[MAX_ROWS];                                                                                    \
        for (int r = 0; r < nr; r++) acc[r] = _mm256_setzero_ps();                                               \
        size_t i = 0;                                                                                            \
        for (; i + 8 <= k; i += 8) {                                                                             \
            PREFETCH(wj + i);                                                                                    \
            __m256 wv = LOADW(wj + i);                                                                           \
            for (int r = 0; r < nr; r++) acc[r] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + r * k + i), acc[r]);  \
        }                                                                                                        \
        for (int r = 0; r < nr; r++) {                                                                           \
            float s = gk_hsum256(acc[r]);                                                                        \
            for (size_t t = i; t < k; t++) s += x[r * k + t] * SCALARW(wj[t]);                                   \
            sums[r] = s;                                                                                         \
        }                                                                                                        \
    }
#define IDENTITY(v) (v)
AVX2_COLUMN(column_f32_avx2, float, load_w_avx2, IDENTITY)
AVX2_COLUMN(column_bf16_avx2, uint16_t, load_w_avx2_bf16, widen)

#define ROW_GROUPS(COLUMN, WTYPE, ATTR)                                                                          \
    ATTR static void COLUMN##_rows(const float *x, size_t n, size_t k, const WTYPE *w, const float *bias,        \
                                   size_t m, size_t lo, size_t hi, float *y, int accumulate) {                   \
        float sums[MAX_ROWS];                                                                                    \
        for (size_t jb = lo; jb < hi; jb += BLOCK_COLS) {                                                        \
            size_t je = jb + BLOCK_COLS < hi ? jb + BLOCK_COLS : hi;                                             \
            for (size_t r0 = 0; r0 < n; r0 += MAX_ROWS) {                                                        \
                int nr = n - r0 < MAX_ROWS ? (int)(n - r0) : MAX_ROWS;                                           \
                const float *xr = x + r0 * k;                                                                    \
                float *yr = y + r0 * m;                                                                          \
                for (size_t j = jb; j < je; j++) {                                                               \
                    const WTYPE *wj = w + j * k;                                                                 \
                    switch (nr) {                                                                                \
                        case 1: COLUMN(xr, k, wj, 1, sums); break;                                               \
                        case 2: COLUMN(xr, k, wj, 2, sums); break;                                               \
                        case 3: COLUMN(xr, k, wj, 3, sums); break;                                               \
                        case 4: COLUMN(xr, k, wj, 4, sums); break;                                               \
                        case 5: COLUMN(xr, k, wj, 5, sums); break;                                               \
                        case 6: COLUMN(xr, k, wj, 6, sums); break;                                               \
                        case 7: COLUMN(xr, k, wj, 7, sums); break;                                               \
                        default: COLUMN(xr, k, wj, 8, sums); break;                                              \
                    }                                                                                            \
                    store_out(yr, m, j, bias, accumulate, sums, nr);                                             \
                }                                                                                                \
            }                                                                                                    \
        }                                                                                                        \
    }
ROW_GROUPS(column_f32_avx2, float, GK_AVX2)
ROW_GROUPS(column_bf16_avx2, uint16_t, GK_AVX2)

// ---- AVX-512: 16 lanes, masked tails; weights widened to fp32 -------------------------------------------------

GK_INLINE GK_AVX512 __m512 load_w_avx512(const float *w, __mmask16 mask) { return _mm512_maskz_loadu_ps(mask, w); }
GK_INLINE GK_AVX512 __m512 load_w_avx512_bf16(const uint16_t *w, __mmask16 mask) {
    __m512i v = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, w));
    return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
}

#define AVX512_COLUMN(NAME, WTYPE, LOADW)                                                                        \
    GK_INLINE GK_AVX512 void NAME(const float *x, size_t k, const WTYPE *wj, const int nr, float *sums) {        \
        __m512 acc[MAX_ROWS];                                                                                    \
        for (int r = 0; r < nr; r++) acc[r] = _mm512_setzero_ps();                                               \
        size_t i = 0;                                                                                            \
        for (; i + 16 <= k; i += 16) {                                                                           \
            PREFETCH(wj + i);                                                                                    \
            __m512 wv = LOADW(wj + i, 0xffff);                                                                   \
            for (int r = 0; r < nr; r++) acc[r] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x + r * k + i), acc[r]);  \
        }                                                                                                        \
        if (i < k) {                                                                                             \
            __mmask16 mask = gk_mask16(k - i);                                                                   \
            __m512 wv = LOADW(wj + i, mask);                                                                     \
            for (int r = 0; r < nr; r++)                                                                         \
                acc[r] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(mask, x + r * k + i), acc[r]);                \
        }                                                                                                        \
        for (int r = 0; r < nr; r++) sums[r] = _mm512_reduce_add_ps(acc[r]);                                     \
    }
AVX512_COLUMN(column_f32_avx512, float, load_w_avx512)
AVX512_COLUMN(column_bf16_avx512, uint16_t, load_w_avx512_bf16)
ROW_GROUPS(column_f32_avx512, float, GK_AVX512)
ROW_GROUPS(column_bf16_avx512, uint16_t, GK_AVX512)

// ---- AVX-512 BF16: activations rounded to bf16, vdpbf16ps (32 products per instruction) -------------------------
// xb is [nr, kp] bf16 with kp = k rounded up to 32 and zero padding, so the masked weight tail meets zeros.

GK_INLINE GK_AVX512_BF16 void column_dpbf16(const uint16_t *xb, size_t kp, size_t k, const uint16_t *wj,
                                            const int nr, float *sums) {
    __m512 acc[MAX_ROWS];
    for (int r = 0; r < nr; r++) acc[r] = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= k; i += 32) {
        PREFETCH(wj + i);
        __m512bh wv = (__m512bh)_mm512_loadu_si512(wj + i);
        for (int r = 0; r < nr; r++)
            acc[r] = _mm512_dpbf16_ps(acc[r], wv, (__m512bh)_mm512_loadu_si512(xb + r * kp + i));
    }
    if (i < k) {
        __m512bh wv = (__m512bh)_mm512_maskz_loadu_epi16((__mmask32)((1ull << (k - i)) - 1), wj + i);
        for (int r = 0; r < nr; r++)
            acc[r] = _mm512_dpbf16_ps(acc[r], wv, (__m512bh)_mm512_loadu_si512(xb + r * kp + i));
    }
    for (int r = 0; r < nr; r++) sums[r] = _mm512_reduce_add_ps(acc[r]);
}

GK_AVX512_BF16 static void to_bf16_padded(const float *x, size_t n, size_t k, size_t kp, uint16_t *xb) {
    for (size_t r = 0; r < n; r++) {
        const float *src = x + r * k;
        uint16_t *dst = xb + r * kp;
        for (size_t i = 0; i < kp; i += 32) {
            size_t left = k > i ? k - i : 0;
            __mmask16 lo = left >= 16 ? 0xffff : gk_mask16(left);
            __mmask16 hi = left >= 32 ? 0xffff : (left > 16 ? gk_mask16(left - 16) : 0);
            __m512 a = _mm512_maskz_loadu_ps(lo, src + i), b = _mm512_maskz_loadu_ps(hi, src + i + 16);
            _mm512_storeu_si512(dst + i, (__m512i)_mm512_cvtne2ps_pbh(b, a));
        }
    }
}

GK_AVX512_BF16 static void linear_dpbf16(const float *x, size_t n, size_t k, const uint16_t *w, const float *bias,
                                         size_t m, size_t lo, size_t hi, float *y, int accumulate) {
    size_t kp = (k + 31) & ~(size_t)31;
    uint16_t stack[MAX_ROWS * 1024];
    uint16_t *xb = n * kp <= sizeof stack / sizeof stack[0] ? stack : malloc(n * kp * sizeof(uint16_t));
    if (!xb) {  // out of memory: the widening path needs no scratch
        column_bf16_avx512_rows(x, n, k, w, bias, m, lo, hi, y, accumulate);
        return;
    }
    to_bf16_padded(x, n, k, kp, xb);
    float sums[MAX_ROWS];
    for (size_t jb = lo; jb < hi; jb += BLOCK_COLS) {
        size_t je = jb + BLOCK_COLS < hi ? jb + BLOCK_COLS : hi;
        for (size_t r0 = 0; r0 < n; r0 += MAX_ROWS) {
            int nr = n - r0 < MAX_ROWS ? (int)(n - r0) : MAX_ROWS;
            const uint16_t *xr = xb + r0 * kp;
            float *yr = y + r0 * m;
            for (size_t j = jb; j < je; j++) {
                const uint16_t *wj = w + j * k;
                switch (nr) {
                    case 1: column_dpbf16(xr, kp, k, wj, 1, sums); break;
                    case 2: column_dpbf16(xr, kp, k, wj, 2, sums); break;
                    case 3: column_dpbf16(xr, kp, k, wj, 3, sums); break;
                    case 4: column_dpbf16(xr, kp, k, wj, 4, sums); break;
                    case 5: column_dpbf16(xr, kp, k, wj, 5, sums); break;
                    case 6: column_dpbf16(xr, kp, k, wj, 6, sums); break;
                    case 7: column_dpbf16(xr, kp, k, wj, 7, sums); break;
                    default: column_dpbf16(xr, kp, k, wj, 8, sums); break;
                }
                store_out(yr, m, j, bias, accumulate, sums, nr);
            }
        }
    }
    if (xb != stack) free(xb);
}
#endif

void gk_linear_f32(const float *x, size_t n, size_t k, const float *w, const float *bias, size_t m, size_t lo,
                   size_t hi, float *y, int accumulate) {
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512) { column_f32_avx512_rows(x, n, k, w, bias, m, lo, hi, y, accumulate); return; }
    if (level >= GK_SIMD_AVX2) { column_f32_avx2_rows(x, n, k, w, bias, m, lo, hi, y, accumulate); return; }
#endif
    linear_f32_portable(x, n, k, w, bias, m, lo, hi, y, accumulate);
}

void gk_linear_bf16(const float *x, size_t n, size_t k, const uint16_t *w, const float *bias, size_t m,
                    size_t lo, size_t hi, float *y, int accumulate) {
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512_BF16) { linear_dpbf16(x, n, k, w, bias, m, lo, hi, y, accumulate); return; }
    if (level >= GK_SIMD_AVX512) { column_bf16_avx512_rows(x, n, k, w, bias, m, lo, hi, y, accumulate); return; }
    if (level >= GK_SIMD_AVX2) { column_bf16_avx2_rows(x, n, k, w, bias, m, lo, hi, y, accumulate); return; }
#endif
    linear_bf16_portable(x, n, k, w, bias, m, lo, hi, y, accumulate);
}
