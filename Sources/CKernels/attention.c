// Paged attention of one query, or of the query heads of one grouped-query group, against one head's keys and
// values, and the KV cache's stores and gathers.
//
// Layout of one layer of a KV block: [2 (K, V)][H][blockSize][D], fp32 or bf16. One head's slice of a block is
// blockSize * D contiguous elements, so a query walks its keys and values in long sequential runs.
#include <math.h>
#include <string.h>
#include "CKernels.h"
#include "simd.h"

static inline float widen1(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t round1(float f) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x40);
    return (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1)) >> 16);
}

void gk_kv_store(const float *src, size_t heads, size_t d, size_t head_stride, void *dst, int bf16) {
    for (size_t h = 0; h < heads; h++) {
        if (bf16) {
            uint16_t *out = (uint16_t *)dst + h * head_stride;
            for (size_t i = 0; i < d; i++) out[i] = round1(src[h * d + i]);
        } else {
            memcpy((float *)dst + h * head_stride, src + h * d, d * sizeof(float));
        }
    }
}

void gk_kv_gather(const void *head, int bf16, size_t block_stride, size_t block_size, const int32_t *table,
                  size_t n, size_t d, float *dst) {
    for (size_t p = 0; p < n; p += block_size) {
        size_t count = n - p < block_size ? n - p : block_size;
        size_t offset = (size_t)table[p / block_size] * block_stride;
        if (bf16) {
            const uint16_t *src = (const uint16_t *)head + offset;
            for (size_t i = 0; i < count * d; i++) dst[p * d + i] = widen1(src[i]);
        } else {
            memcpy(dst + p * d, (const float *)head + offset, count * d * sizeof(float));
        }
    }
}

// ---- Portable ------------------------------------------------------------------------------------------------

static void attend_portable(const float *q, size_t d, const void *keys, const void *values, int bf16,
                            size_t block_stride, size_t block_size, const int32_t *table, size_t n, float scale,
                            float *scores, float *out) {
    for (size_t p = 0; p < n; p++) {
        size_t offset = (size_t)table[p / block_size] * block_stride + (p % block_size) * d;
        float s = 0;
        for (size_t i = 0; i < d; i++)
            s += q[i] * (bf16 ? widen1(((const uint16_t *)keys)[offset + i]) : ((const float *)keys)[offset + i]);
        scores[p] = s * scale;
    }
    gk_softmax(scores, n);
    for (size_t i = 0; i < d; i++) out[i] = 0;
    for (size_t p = 0; p < n; p++) {
        size_t offset = (size_t)table[p / block_size] * block_stride + (p % block_size) * d;
        for (size_t i = 0; i < d; i++)
            out[i] += scores[p] *
                (bf16 ? widen1(((const uint16_t *)values)[offset + i]) : ((const float *)values)[offset + i]);
    }
}

#if GK_X86
// ---- AVX-512: D in chunks of 16 lanes (masked tail), up to 8 chunks (D <= 128) held in registers ---------------

#define MAX_CHUNKS 8
#define UNROLL _Pragma("clang loop unroll(full)")

GK_INLINE GK_AVX512 __m512 load_kv512(const void *base, size_t offset, int bf16, __mmask16 mask) {
    if (bf16) {
        __m256i h = _mm256_maskz_loadu_epi16(mask, (const uint16_t *)base + offset);
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    return _mm512_maskz_loadu_ps(mask, (const float *)base + offset);
}

GK_INLINE GK_AVX512 void attend512(const float *q, size_t d, const int chunks, const void *keys,
                                   const void *values, int bf16, size_t block_stride, size_t block_size,
                                   const int32_t *table, size_t n, float scale, float *scores, float *out) {
    __m512 qv[MAX_CHUNKS], acc[MAX_CHUNKS];
    __mmask16 last = d % 16 ? gk_mask16(d % 16) : 0xffff;
    UNROLL for (int c = 0; c < chunks; c++) {
        qv[c] = _mm512_maskz_loadu_ps(c == chunks - 1 ? last : 0xffff, q + 16 * c);
        acc[c] = _mm512_setzero_ps();
    }
    const __m512 sv = _mm512_set1_ps(scale);
    for (size_t p0 = 0; p0 < n; p0 += block_size) {
        size_t count = n - p0 < block_size ? n - p0 : block_size;
        size_t base = (size_t)table[p0 / block_size] * block_stride;
        for (size_t s = 0; s < count; s++) {
            __m512 dot = _mm512_setzero_ps();
            UNROLL for (int c = 0; c < chunks; c++)
                dot = _mm512_fmadd_ps(qv[c], load_kv512(keys, base + s * d + 16 * c, bf16,
                                                        c == chunks - 1 ? last : 0xffff), dot);
            scores[p0 + s] = _mm512_reduce_add_ps(_mm512_mul_ps(dot, sv));
        }
    }
    gk_softmax(scores, n);
    for (size_t p0 = 0; p0 < n; p0 += block_size) {
        size_t count = n - p0 < block_size ? n - p0 : block_size;
        size_t base = (size_t)table[p0 / block_size] * block_stride;
        for (size_t s = 0; s < count; s++) {
            __m512 w = _mm512_set1_ps(scores[p0 + s]);
            UNROLL for (int c = 0; c < chunks; c++)
                acc[c] = _mm512_fmadd_ps(w, load_kv512(values, base + s * d + 16 * c, bf16,
                                                       c == chunks - 1 ? last : 0xffff), acc[c]);
        }
    }
    UNROLL for (int c = 0; c < chunks; c++) _mm512_mask_storeu_ps(out + 16 * c, c == chunks - 1 ? last : 0xffff, acc[c]);
}

GK_AVX512 static void attend_avx512(const float *q, size_t d, const void *keys, const void *values, int bf16,
                                    size_t block_stride, size_t block_size, const int32_t *table, size_t n,
                                    float scale, float *scores, float *out) {
    switch ((d + 15) / 16) {
#define CASE(C) case C: attend512(q, d, C, keys, values, bf16, block_stride, block_size, table, n, scale, scores, out); break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
        default: attend_portable(q, d, keys, values, bf16, block_stride, block_size, table, n, scale, scores, out);
    }
}

// ---- AVX2: D in chunks of 8 lanes, whole chunks only (D % 8 == 0, D <= 128) -------------------------------------

#define MAX_CHUNKS8 16

GK_INLINE GK_AVX2 __m256 load_kv256(const void *base, size_t offset, int bf16) {
    if (bf16) {
        __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)((const uint16_t *)base + offset)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
    }
    return _mm256_loadu_ps((const float *)base + offset);
}

GK_INLINE GK_AVX2 void attend256(const float *q, size_t d, const int chunks, const void *keys, const void *values,
                                 int bf16, size_t block_stride, size_t block_size, const int32_t *table, size_t n,
                                 float scale, float *scores, float *out) {
    __m256 qv[MAX_CHUNKS8], acc[MAX_CHUNKS8];
    UNROLL for (int c = 0; c < chunks; c++) { qv[c] = _mm256_loadu_ps(q + 8 * c); acc[c] = _mm256_setzero_ps(); }
    for (size_t p0 = 0; p0 < n; p0 += block_size) {
        size_t count = n - p0 < block_size ? n - p0 : block_size;
        size_t base = (size_t)table[p0 / block_size] * block_stride;
        for (size_t s = 0; s < count; s++) {
            __m256 dot = _mm256_setzero_ps();
            UNROLL for (int c = 0; c < chunks; c++)
                dot = _mm256_fmadd_ps(qv[c], load_kv256(keys, base + s * d + 8 * c, bf16), dot);
            scores[p0 + s] = gk_hsum256(dot) * scale;
        }
    }
    gk_softmax(scores, n);
    for (size_t p0 = 0; p0 < n; p0 += block_size) {
        size_t count = n - p0 < block_size ? n - p0 : block_size;
        size_t base = (size_t)table[p0 / block_size] * block_stride;
        for (size_t s = 0; s < count; s++) {
            __m256 w = _mm256_set1_ps(scores[p0 + s]);
            UNROLL for (int c = 0; c < chunks; c++)
                acc[c] = _mm256_fmadd_ps(w, load_kv256(values, base + s * d + 8 * c, bf16), acc[c]);
        }
    }
    UNROLL for (int c = 0; c < chunks; c++) _mm256_storeu_ps(out + 8 * c, acc[c]);
}

GK_AVX2 static void attend_avx2(const float *q, size_t d, const void *keys, const void *values, int bf16,
                                size_t block_stride, size_t block_size, const int32_t *table, size_t n, float scale,
                                float *scores, float *out) {
    switch (d % 8 ? 0 : d / 8) {
#define CASE(C) case C: attend256(q, d, C, keys, values, bf16, block_stride, block_size, table, n, scale, scores, out); break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
        CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14) CASE(15) CASE(16)
#undef CASE
        default: attend_portable(q, d, keys, values, bf16, block_stride, block_size, table, n, scale, scores, out);
    }
}
#endif

void gk_attend_head(const float *q, size_t d, const void *keys, const void *values, int bf16, size_t block_stride,
                    size_t block_size, const int32_t *table, size_t n, float scale, float *scores, float *out) {
    if (n == 0) return;
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512) {
        attend_avx512(q, d, keys, values, bf16, block_stride, block_size, table, n, scale, scores, out);
        return;
    }
    if (level >= GK_SIMD_AVX2) {
        attend_avx2(q, d, keys, values, bf16, block_stride, block_size, table, n, scale, scores, out);
        return;
    }
#endif
    attend_portable(q, d, keys, values, bf16, block_stride, block_size, table, n, scale, scores, out);
}

// ---- Grouped-query attention: the G query heads of one key/value head, its keys and values walked once ------------
//
// Both passes go tile by tile (up to GROUP_TILE positions of one block): the tile's keys or values, widened to fp32
// once for a bf16 cache, stay in L1 while each of the G queries reads them. A query's arithmetic is the one-head
// kernel's, in the same order, so each head's result equals `gk_attend_head`'s.

#define GROUP_TILE 16

static void attend_group_portable(const float *q, size_t g, size_t d, const void *keys, const void *values,
                                  int bf16, size_t block_stride, size_t block_size, const int32_t *table, size_t n,
                                  float scale, float *scores, float *out) {
    for (size_t p = 0; p < n; p++) {
        size_t offset = (size_t)table[p / block_size] * block_stride + (p % block_size) * d;
        for (size_t j = 0; j < g; j++) {
            float s = 0;
            for (size_t i = 0; i < d; i++)
                s += q[j * d + i] *
                    (bf16 ? widen1(((const uint16_t *)keys)[offset + i]) : ((const float *)keys)[offset + i]);
            scores[j * n + p] = s * scale;
        }
    }
    for (size_t j = 0; j < g; j++) gk_softmax(scores + j * n, n);
    for (size_t i = 0; i < g * d; i++) out[i] = 0;
    for (size_t p = 0; p < n; p++) {
        size_t offset = (size_t)table[p / block_size] * block_stride + (p % block_size) * d;
        for (size_t j = 0; j < g; j++)
            for (size_t i = 0; i < d; i++)
                out[j * d + i] += scores[j * n + p] *
                    (bf16 ? widen1(((const uint16_t *)values)[offset + i]) : ((const float *)values)[offset + i]);
    }
}

#if GK_X86
// The tile's `count` elements at `offset` as fp32: the cache itself for fp32, else widened into `tile`.
GK_INLINE GK_AVX512 const float *tile512(const void *base, size_t offset, size_t count, int bf16, float *tile) {
    if (!bf16) return (const float *)base + offset;
    const uint16_t *src = (const uint16_t *)base + offset;
    size_t i = 0;
    for (; i + 16 <= count; i += 16)
        _mm512_storeu_ps(tile + i, _mm512_castsi512_ps(_mm512_slli_epi32(
            _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(src + i))), 16)));
    if (i < count) {
        __mmask16 m = gk_mask16(count - i);
        _mm512_mask_storeu_ps(tile + i, m, _mm512_castsi512_ps(_mm512_slli_epi32(
            _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, src + i)), 16)));
    }
    return tile;
}

GK_INLINE GK_AVX512 void attend_group512(const float *q, size_t g, size_t d, const int chunks, const void *keys,
                                         const void *values, int bf16, size_t block_stride, size_t block_size,
                                         const int32_t *table, size_t n, float scale, float *scores, float *out) {
    float tile[GROUP_TILE * 16 * MAX_CHUNKS] __attribute__((aligned(64)));
    __mmask16 last = d % 16 ? gk_mask16(d % 16) : 0xffff;
    const __m512 sv = _mm512_set1_ps(scale);
    for (size_t p0 = 0; p0 < n; p0 += block_size) {
        size_t count = n - p0 < block_size ? n - p0 : block_size;
        size_t base = (size_t)table[p0 / block_size] * block_stride;
        for (size_t t0 = 0; t0 < count; t0 += GROUP_TILE) {
            size_t rows = count - t0 < GROUP_TILE ? count - t0 : GROUP_TILE;
            const float *k = tile512(keys, base + t0 * d, rows * d, bf16, tile);
            for (size_t j = 0; j < g; j++) {
                __m512 qv[MAX_CHUNKS];
                UNROLL for (int c = 0; c < chunks; c++)
                    qv[c] = _mm512_maskz_loadu_ps(c == chunks - 1 ? last : 0xffff, q + j * d + 16 * c);
                float *row = scores + j * n + p0 + t0;
                for (size_t s = 0; s < rows; s++) {
                    __m512 dot = _mm512_setzero_ps();
                    UNROLL for (int c = 0; c < chunks; c++)
                        dot = _mm512_fmadd_ps(qv[c], _mm512_maskz_loadu_ps(c == chunks - 1 ? last : 0xffff,
                                                                           k + s * d + 16 * c), dot);
                    row[s] = _mm512_reduce_add_ps(_mm512_mul_ps(dot, sv));
                }
            }
        }
    }
    for (size_t j = 0; j < g; j++) gk_softmax(scores + j * n, n);
    for (size_t i = 0; i < g * d; i++) out[i] = 0;
    for (size_t p0 = 0; p0 < n; p0 += block_size) {
        size_t count = n - p0 < block_size ? n - p0 : block_size;
        size_t base = (size_t)table[p0 / block_size] * block_stride;
        for (size_t t0 = 0; t0 < count; t0 += GROUP_TILE) {
            size_t rows = count - t0 < GROUP_TILE ? count - t0 : GROUP_TILE;
            const float *v = tile512(values, base + t0 * d, rows * d, bf16, tile);
            for (size_t j = 0; j < g; j++) {
                __m512 acc[MAX_CHUNKS];
                UNROLL for (int c = 0; c < chunks; c++)
                    acc[c] = _mm512_maskz_loadu_ps(c == chunks - 1 ? last : 0xffff, out + j * d + 16 * c);
                const float *w = scores + j * n + p0 + t0;
                for (size_t s = 0; s < rows; s++) {
                    __m512 ws = _mm512_set1_ps(w[s]);
                    UNROLL for (int c = 0; c < chunks; c++)
                        acc[c] = _mm512_fmadd_ps(ws, _mm512_maskz_loadu_ps(c == chunks - 1 ? last : 0xffff,
                                                                           v + s * d + 16 * c), acc[c]);
                }
                UNROLL for (int c = 0; c < chunks; c++)
                    _mm512_mask_storeu_ps(out + j * d + 16 * c, c == chunks - 1 ? last : 0xffff, acc[c]);
            }
        }
    }
}

GK_AVX512 static void attend_group_avx512(const float *q, size_t g, size_t d, const void *keys, const void *values,
                                          int bf16, size_t block_stride, size_t block_size, const int32_t *table,
                                          size_t n, float scale, float *scores, float *out) {
    switch ((d + 15) / 16) {
#define CASE(C) case C: attend_group512(q, g, d, C, keys, values, bf16, block_stride, block_size, table, n, scale, \
                                        scores, out); break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
        default: attend_group_portable(q, g, d, keys, values, bf16, block_stride, block_size, table, n, scale, scores,
                                       out);
    }
}

GK_INLINE GK_AVX2 const float *tile256(const void *base, size_t offset, size_t count, int bf16, float *tile) {
    if (!bf16) return (const float *)base + offset;
    const uint16_t *src = (const uint16_t *)base + offset;
    for (size_t i = 0; i < count; i += 8)  // count is a multiple of 8 (D % 8 == 0)
        _mm256_storeu_ps(tile + i, _mm256_castsi256_ps(_mm256_slli_epi32(
            _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i))), 16)));
    return tile;
}

GK_INLINE GK_AVX2 void attend_group256(const float *q, size_t g, size_t d, const int chunks, const void *keys,
                                       const void *values, int bf16, size_t block_stride, size_t block_size,
                                       const int32_t *table, size_t n, float scale, float *scores, float *out) {
    float tile[GROUP_TILE * 8 * MAX_CHUNKS8] __attribute__((aligned(32)));
    for (size_t p0 = 0; p0 < n; p0 += block_size) {
        size_t count = n - p0 < block_size ? n - p0 : block_size;
        size_t base = (size_t)table[p0 / block_size] * block_stride;
        for (size_t t0 = 0; t0 < count; t0 += GROUP_TILE) {
            size_t rows = count - t0 < GROUP_TILE ? count - t0 : GROUP_TILE;
            const float *k = tile256(keys, base + t0 * d, rows * d, bf16, tile);
            for (size_t j = 0; j < g; j++) {
                __m256 qv[MAX_CHUNKS8];
                UNROLL for (int c = 0; c < chunks; c++) qv[c] = _mm256_loadu_ps(q + j * d + 8 * c);
                float *row = scores + j * n + p0 + t0;
                for (size_t s = 0; s < rows; s++) {
                    __m256 dot = _mm256_setzero_ps();
                    UNROLL for (int c = 0; c < chunks; c++)
                        dot = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(k + s * d + 8 * c), dot);
                    row[s] = gk_hsum256(dot) * scale;
                }
            }
        }
    }
    for (size_t j = 0; j < g; j++) gk_softmax(scores + j * n, n);
    for (size_t i = 0; i < g * d; i++) out[i] = 0;
    for (size_t p0 = 0; p0 < n; p0 += block_size) {
        size_t count = n - p0 < block_size ? n - p0 : block_size;
        size_t base = (size_t)table[p0 / block_size] * block_stride;
        for (size_t t0 = 0; t0 < count; t0 += GROUP_TILE) {
            size_t rows = count - t0 < GROUP_TILE ? count - t0 : GROUP_TILE;
            const float *v = tile256(values, base + t0 * d, rows * d, bf16, tile);
            for (size_t j = 0; j < g; j++) {
                __m256 acc[MAX_CHUNKS8];
                UNROLL for (int c = 0; c < chunks; c++) acc[c] = _mm256_loadu_ps(out + j * d + 8 * c);
                const float *w = scores + j * n + p0 + t0;
                for (size_t s = 0; s < rows; s++) {
                    __m256 ws = _mm256_set1_ps(w[s]);
                    UNROLL for (int c = 0; c < chunks; c++)
                        acc[c] = _mm256_fmadd_ps(ws, _mm256_loadu_ps(v + s * d + 8 * c), acc[c]);
                }
                UNROLL for (int c = 0; c < chunks; c++) _mm256_storeu_ps(out + j * d + 8 * c, acc[c]);
            }
        }
    }
}

GK_AVX2 static void attend_group_avx2(const float *q, size_t g, size_t d, const void *keys, const void *values,
                                      int bf16, size_t block_stride, size_t block_size, const int32_t *table,
                                      size_t n, float scale, float *scores, float *out) {
    switch (d % 8 ? 0 : d / 8) {
#define CASE(C) case C: attend_group256(q, g, d, C, keys, values, bf16, block_stride, block_size, table, n, scale, \
                                        scores, out); break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
        CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14) CASE(15) CASE(16)
#undef CASE
        default: attend_group_portable(q, g, d, keys, values, bf16, block_stride, block_size, table, n, scale, scores,
                                       out);
    }
}
#endif

void gk_attend_group(const float *q, size_t g, size_t d, const void *keys, const void *values, int bf16,
                     size_t block_stride, size_t block_size, const int32_t *table, size_t n, float scale,
                     float *scores, float *out) {
    if (n == 0 || g == 0) return;
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512) {
        attend_group_avx512(q, g, d, keys, values, bf16, block_stride, block_size, table, n, scale, scores, out);
        return;
    }
    if (level >= GK_SIMD_AVX2) {
        attend_group_avx2(q, g, d, keys, values, bf16, block_stride, block_size, table, n, scale, scores, out);
        return;
    }
#endif
    attend_group_portable(q, g, d, keys, values, bf16, block_stride, block_size, table, n, scale, scores, out);
}
