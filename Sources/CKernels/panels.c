// Linear layers with bf16 weights packed in panels: y[n, lo..<hi] = x[n, k] W[lo..<hi, k]^T (+ bias, + y).
//
// Layout ("panels of 16"): W [m, k] is cut into panels of 16 output columns; panel p holds, for each pair of inputs
// (2kk, 2kk+1), the 16 columns' two weights side by side: packed[((p * kp/2 + kk) * 16 + c) * 2 + e] =
// W[16p + c][2kk + e], zero beyond m and k (kp = k rounded up to even). One 64-byte load then holds 16 columns x 2
// inputs, which is exactly the operand of vdpbf16ps: with an activation pair broadcast to all lanes, each
// instruction adds 2 products to 16 output columns, and no horizontal sums are needed. Each panel is one
// contiguous stream, read once for a tile of up to 12 rows (decode: all rows at once).
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"
#include "simd.h"

#include "panels.h"

static inline uint16_t round_bf16(float f) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x40);
    return (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1)) >> 16);
}

static inline float widen_bf16(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

size_t gk_panels_size(size_t m, size_t k) { return (m + PANEL - 1) / PANEL * PANEL * ((k + 1) & ~(size_t)1); }

void gk_pack_panels(const float *w, size_t m, size_t k, uint16_t *packed) {
    size_t half = (k + 1) / 2, panels = (m + PANEL - 1) / PANEL;
    for (size_t p = 0; p < panels; p++) {
        for (size_t c = 0; c < PANEL; c++) {
            size_t j = p * PANEL + c;
            uint16_t *dst = packed + p * half * 2 * PANEL + c * 2;
            for (size_t i = 0; i < 2 * half; i++) {
                uint16_t v = j < m && i < k ? round_bf16(w[j * k + i]) : 0;
                dst[(i / 2) * 2 * PANEL + (i & 1)] = v;
            }
        }
    }
}

void gk_pack_panels_transposed(const float *wt, size_t m, size_t k, uint16_t *packed) {
    size_t half = (k + 1) / 2, panels = (m + PANEL - 1) / PANEL;
    for (size_t p = 0; p < panels; p++) {
        for (size_t i = 0; i < 2 * half; i++) {
            uint16_t *dst = packed + (p * half + i / 2) * 2 * PANEL + (i & 1);
            for (size_t c = 0; c < PANEL; c++) {
                size_t j = p * PANEL + c;
                dst[c * 2] = j < m && i < k ? round_bf16(wt[i * m + j]) : 0;
            }
        }
    }
}

void gk_activations_bf16(const float *x, size_t n, size_t k, uint16_t *xb) {
    size_t kp = (k + 1) & ~(size_t)1;
    for (size_t r = 0; r < n; r++) {
        for (size_t i = 0; i < k; i++) xb[r * kp + i] = round_bf16(x[r * k + i]);
        if (kp > k) xb[r * kp + k] = 0;
    }
}

// ---- Portable ------------------------------------------------------------------------------------------------

static void panels_portable(const float *x, size_t n, size_t k, const uint16_t *packed, const float *bias,
                            size_t m, size_t lo, size_t hi, float *y, int accumulate) {
    size_t half = (k + 1) / 2;
    for (size_t r = 0; r < n; r++) {
        for (size_t j = lo; j < hi; j++) {
            const uint16_t *src = packed + (j / PANEL) * half * 2 * PANEL + (j % PANEL) * 2;
            float s = 0;
            for (size_t i = 0; i < k; i++) s += x[r * k + i] * widen_bf16(src[(i / 2) * 2 * PANEL + (i & 1)]);
            put(y + r * m + j, s, bias, j, accumulate);
        }
    }
}

#if GK_X86
// ---- AVX-512 BF16: vdpbf16ps with a broadcast activation pair --------------------------------------------------

GK_INLINE GK_AVX512_BF16 void tile_dpbf16(const uint16_t *xb, size_t kp, const uint16_t *pa, const int panels,
                                          const int rows, float *y, size_t m, size_t j0, size_t cols,
                                          const float *bias, int accumulate) {
    __m512 a[MAX_TILE_ROWS], b[MAX_TILE_ROWS];
    UNROLL
    for (int r = 0; r < rows; r++) { a[r] = _mm512_setzero_ps(); b[r] = _mm512_setzero_ps(); }
    size_t half = kp / 2;
    const uint16_t *pb = pa + half * 2 * PANEL;
    for (size_t kk = 0; kk < half; kk++) {
        _mm_prefetch((const char *)(pa + kk * 2 * PANEL) + DPBF16_PREFETCH_BYTES, _MM_HINT_T0);
        __m512bh wa = (__m512bh)_mm512_loadu_si512(pa + kk * 2 * PANEL), wb;
        if (panels == 2) {
            _mm_prefetch((const char *)(pb + kk * 2 * PANEL) + DPBF16_PREFETCH_BYTES, _MM_HINT_T0);
            wb = (__m512bh)_mm512_loadu_si512(pb + kk * 2 * PANEL);
        }
        UNROLL
        for (int r = 0; r < rows; r++) {
            int32_t pair;
            memcpy(&pair, xb + (size_t)r * kp + 2 * kk, 4);
            __m512bh xv = (__m512bh)_mm512_set1_epi32(pair);
            a[r] = _mm512_dpbf16_ps(a[r], wa, xv);
            if (panels == 2) b[r] = _mm512_dpbf16_ps(b[r], wb, xv);
        }
    }
    store_tile512(a, rows, y, m, j0, cols < 16 ? cols : 16, bias, accumulate);
    if (panels == 2) store_tile512(b, rows, y, m, j0 + 16, cols - 16, bias, accumulate);
}

GK_AVX512_BF16 static void panels_dpbf16(const uint16_t *xb, size_t n, size_t k, const uint16_t *packed,
                                         const float *bias, size_t m, size_t lo, size_t hi, float *y,
                                         int accumulate) {
    size_t kp = (k + 1) & ~(size_t)1, panel_size = kp * PANEL;
    for (size_t j0 = lo; j0 < hi; j0 += 2 * PANEL) {
        size_t cols = hi - j0 < 2 * PANEL ? hi - j0 : 2 * PANEL;
        const uint16_t *pa = packed + (j0 / PANEL) * panel_size;
        for (size_t r0 = 0; r0 < n; r0 += MAX_TILE_ROWS) {
            int rows = n - r0 < MAX_TILE_ROWS ? (int)(n - r0) : MAX_TILE_ROWS;
            const uint16_t *xr = xb + r0 * kp;
            float *yr = y + r0 * m;
#define TILE(R)                                                                                                  \
    if (cols > PANEL) tile_dpbf16(xr, kp, pa, 2, R, yr, m, j0, cols, bias, accumulate);                         \
    else tile_dpbf16(xr, kp, pa, 1, R, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH(TILE)
#undef TILE
        }
    }
}

// ---- AVX-512F: weights widened (even and odd inputs), fp32 activations ------------------------------------------

GK_INLINE GK_AVX512 void tile_fma512(const float *x, size_t k, const uint16_t *pa, const int panels,
                                     const int rows, float *y, size_t m, size_t j0, size_t cols, const float *bias,
                                     int accumulate) {
    __m512 a[MAX_TILE_ROWS], b[MAX_TILE_ROWS];
    UNROLL
    for (int r = 0; r < rows; r++) { a[r] = _mm512_setzero_ps(); b[r] = _mm512_setzero_ps(); }
    size_t half = (k + 1) / 2;
    const uint16_t *pb = pa + half * 2 * PANEL;
    const __m512i high = _mm512_set1_epi32((int)0xffff0000u);
    for (size_t kk = 0; kk < half; kk++) {
        _mm_prefetch((const char *)(pa + kk * 2 * PANEL) + PREFETCH_BYTES, _MM_HINT_T0);
        __m512i va = _mm512_loadu_si512(pa + kk * 2 * PANEL), vb = va;
        if (panels == 2) {
            _mm_prefetch((const char *)(pb + kk * 2 * PANEL) + PREFETCH_BYTES, _MM_HINT_T0);
            vb = _mm512_loadu_si512(pb + kk * 2 * PANEL);
        }
        __m512 ea = _mm512_castsi512_ps(_mm512_slli_epi32(va, 16)), oa = _mm512_castsi512_ps(_mm512_and_si512(va, high));
        __m512 eb = _mm512_castsi512_ps(_mm512_slli_epi32(vb, 16)), ob = _mm512_castsi512_ps(_mm512_and_si512(vb, high));
        int odd = 2 * kk + 1 < k;  // the last pair of an odd k has no second input
        UNROLL
        for (int r = 0; r < rows; r++) {
            const float *xr = x + (size_t)r * k + 2 * kk;
            __m512 x0 = _mm512_set1_ps(xr[0]);
            a[r] = _mm512_fmadd_ps(ea, x0, a[r]);
            if (panels == 2) b[r] = _mm512_fmadd_ps(eb, x0, b[r]);
            if (odd) {
                __m512 x1 = _mm512_set1_ps(xr[1]);
                a[r] = _mm512_fmadd_ps(oa, x1, a[r]);
                if (panels == 2) b[r] = _mm512_fmadd_ps(ob, x1, b[r]);
            }
        }
    }
    store_tile512(a, rows, y, m, j0, cols < 16 ? cols : 16, bias, accumulate);
    if (panels == 2) store_tile512(b, rows, y, m, j0 + 16, cols - 16, bias, accumulate);
}

GK_AVX512 static void panels_fma512(const float *x, size_t n, size_t k, const uint16_t *packed, const float *bias,
                                    size_t m, size_t lo, size_t hi, float *y, int accumulate) {
    size_t panel_size = ((k + 1) & ~(size_t)1) * PANEL;
    for (size_t j0 = lo; j0 < hi; j0 += 2 * PANEL) {
        size_t cols = hi - j0 < 2 * PANEL ? hi - j0 : 2 * PANEL;
        const uint16_t *pa = packed + (j0 / PANEL) * panel_size;
        for (size_t r0 = 0; r0 < n; r0 += MAX_TILE_ROWS) {
            int rows = n - r0 < MAX_TILE_ROWS ? (int)(n - r0) : MAX_TILE_ROWS;
            const float *xr = x + r0 * k;
            float *yr = y + r0 * m;
#define TILE(R)                                                                                                  \
    if (cols > PANEL) tile_fma512(xr, k, pa, 2, R, yr, m, j0, cols, bias, accumulate);                          \
    else tile_fma512(xr, k, pa, 1, R, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH(TILE)
#undef TILE
        }
    }
}

// ---- AVX2: one panel as two halves of 8 columns, up to 4 rows per tile ---------------------------------------

#define AVX2_TILE_ROWS 4

/// A tile of rows against one panel, or against two (`panels` 2, the columns j0..j0+31, whole: one row at batch 1,
/// two streams from memory, as the AVX-512 tiles read them).
GK_INLINE GK_AVX2 void tile_fma256(const float *x, size_t k, const uint16_t *pa, const int panels, const int rows,
                                   float *y, size_t m, size_t j0, size_t cols, const float *bias, int accumulate) {
    __m256 acc[2][AVX2_TILE_ROWS][2];
    UNROLL
    for (int p = 0; p < panels; p++) {
        UNROLL
        for (int r = 0; r < rows; r++) acc[p][r][0] = acc[p][r][1] = _mm256_setzero_ps();
    }
    size_t half = (k + 1) / 2, panel_size = 2 * half * PANEL;
    const __m256i high = _mm256_set1_epi32((int)0xffff0000u);
    for (size_t kk = 0; kk < half; kk++) {
        int odd = 2 * kk + 1 < k;
        UNROLL
        for (int p = 0; p < panels; p++) {
            const uint16_t *w = pa + p * panel_size + kk * 2 * PANEL;
            _mm_prefetch((const char *)w + PREFETCH_BYTES, _MM_HINT_T0);
            __m256i v0 = _mm256_loadu_si256((const __m256i *)w), v1 = _mm256_loadu_si256((const __m256i *)(w + 16));
            __m256 e0 = _mm256_castsi256_ps(_mm256_slli_epi32(v0, 16));
            __m256 o0 = _mm256_castsi256_ps(_mm256_and_si256(v0, high));
            __m256 e1 = _mm256_castsi256_ps(_mm256_slli_epi32(v1, 16));
            __m256 o1 = _mm256_castsi256_ps(_mm256_and_si256(v1, high));
            UNROLL
            for (int r = 0; r < rows; r++) {
                const float *xr = x + (size_t)r * k + 2 * kk;
                __m256 x0 = _mm256_set1_ps(xr[0]);
                acc[p][r][0] = _mm256_fmadd_ps(e0, x0, acc[p][r][0]);
                acc[p][r][1] = _mm256_fmadd_ps(e1, x0, acc[p][r][1]);
                if (odd) {
                    __m256 x1 = _mm256_set1_ps(xr[1]);
                    acc[p][r][0] = _mm256_fmadd_ps(o0, x1, acc[p][r][0]);
                    acc[p][r][1] = _mm256_fmadd_ps(o1, x1, acc[p][r][1]);
                }
            }
        }
    }
    UNROLL
    for (int p = 0; p < panels; p++) {
        size_t j = j0 + PANEL * p, width = panels == 2 ? PANEL : cols;
        UNROLL
        for (int r = 0; r < rows; r++) {
            float *out = y + (size_t)r * m + j;
            store_half256(acc[p][r][0], out, j, width < 8 ? width : 8, bias, accumulate);
            if (width > 8) store_half256(acc[p][r][1], out + 8, j + 8, width - 8, bias, accumulate);
        }
    }
}

GK_AVX2 static void panels_fma256(const float *x, size_t n, size_t k, const uint16_t *packed, const float *bias,
                                  size_t m, size_t lo, size_t hi, float *y, int accumulate) {
    size_t panel_size = ((k + 1) & ~(size_t)1) * PANEL;
    size_t j0 = lo;
    // One row: whole pairs of panels first, two streams at once.
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        tile_fma256(x, k, packed + (j0 / PANEL) * panel_size, 2, 1, y, m, j0, 2 * PANEL, bias, accumulate);
    }
    for (; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const uint16_t *pa = packed + (j0 / PANEL) * panel_size;
        for (size_t r0 = 0; r0 < n; r0 += AVX2_TILE_ROWS) {
            int rows = n - r0 < AVX2_TILE_ROWS ? (int)(n - r0) : AVX2_TILE_ROWS;
            const float *xr = x + r0 * k;
            float *yr = y + r0 * m;
#define TILE(R) tile_fma256(xr, k, pa, 1, R, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH4(TILE)
#undef TILE
        }
    }
}
#endif

int gk_panels_use_bf16_activations(void) { return gk_simd_active() >= GK_SIMD_AVX512_BF16; }

void gk_linear_panels(const float *x, const uint16_t *xb, size_t n, size_t k, const uint16_t *packed,
                      const float *bias, size_t m, size_t lo, size_t hi, float *y, int accumulate) {
    if (lo >= hi || n == 0) return;
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512_BF16) {
        uint16_t *own = NULL;
        if (!xb) {
            own = malloc(n * ((k + 1) & ~(size_t)1) * sizeof(uint16_t));
            if (!own) { panels_fma512(x, n, k, packed, bias, m, lo, hi, y, accumulate); return; }
            gk_activations_bf16(x, n, k, own);
            xb = own;
        }
        panels_dpbf16(xb, n, k, packed, bias, m, lo, hi, y, accumulate);
        free(own);
        return;
    }
    if (level >= GK_SIMD_AVX512) { panels_fma512(x, n, k, packed, bias, m, lo, hi, y, accumulate); return; }
    if (level >= GK_SIMD_AVX2) { panels_fma256(x, n, k, packed, bias, m, lo, hi, y, accumulate); return; }
#endif
    (void)xb;
    panels_portable(x, n, k, packed, bias, m, lo, hi, y, accumulate);
}
