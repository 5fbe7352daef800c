// Linear layers with a GGUF file's Q5_0 or Q4_0 weights kept at their own width: y[n, lo..<hi] = x W^T (+ bias, + y).
//
// Weights: the file's blocks of 32 inputs, W[j, i] = d[j, b] (q[j, i] - offset) with q in 0..31 and offset 16 (Q5_0),
// or q in 0..15 and offset 8 (Q4_0), d the block's fp16 scale. Layout: panels of 16 output columns like the int8
// panels, and within a panel one record per block of 32 inputs (k / 32 records, one after the other):
//   256 bytes of nibbles: 4 loads of 64, byte 4c + e of load t (column c, t < 4, e < 4) = the file's nibble byte
//       4t + e of column c's block: low nibble q[4t + e], high nibble q[16 + 4t + e]. One 64-byte load gives, after
//       `& 0x0F` and `>> 4 & 0x0F`, the vpdpbusd operands of input groups t and t + 4 (16 columns x 4 inputs each).
//   64 bytes of fifth bits (Q5_0 only): byte 4c + e holds, in bit t, the fifth bit of q[4t + e] and in bit 4 + t that
//       of q[16 + 4t + e], so one shift and a mask put it in bit 4 of the operand's bytes.
//   32 bytes: the 16 columns' d as the file's fp16 (widened exactly when used).
// 352 bytes per 512 weights for Q5_0 (5.5 bits a weight), 288 for Q4_0 (4.5): the file's sizes, its numbers exactly.
//
// Activations: int8 per row and block of 32 inputs, as ggml's Q8_0 (scale max |x| / 127, q = round(x / scale)), with
// the block's correction -offset sum q, laid out in tiles of 12 rows with each block's rows side by side (see slot), so
// a tile of rows reads one stream and its correction and scale are memory operands, not computed per row. Per column
// and block the integer dot product of the unsigned weights q and the signed activations is exact on every path
// (AVX-512 VNNI and AVX-VNNI vpdpbusd, AVX2 vpmaddubsw + vpmaddwd, portable C), and the correction takes the
// offset back out: y += d_w d_x (sum q a - offset sum a). Every path rounds that fp32 epilogue in the same order (an
// FMA per block), so the paths agree to the last bit apart from the bias add. That epilogue (a multiply and an FMA
// per row, block and 16 columns, on the pipes vpdpbusd uses) is what keeps prefill tiles about 1.25x the int8
// panels' time per weight.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"
#include "simd.h"

#include "panels.h"

#define Q5_BLOCK 32
#define NIBBLE_BYTES 256
#define FIFTH_BYTES 64
#define SCALE_BYTES 32
#define Q5_TILE_ROWS MAX_TILE_ROWS

/// Bytes of one panel's record of one block.
static inline size_t record_bytes(int q5) { return NIBBLE_BYTES + (q5 ? FIFTH_BYTES : 0) + SCALE_BYTES; }

/// Where block b of activation row r lives (in blocks of 32 values; scales and corrections at the same index): rows
/// come in tiles of Q5_TILE_ROWS (the last one shorter), and within a tile of R rows block b of its row s is at
/// b R + s, so a kernel's tile reads one stream with the rows of each block side by side.
static inline size_t slot(size_t n, size_t nb, size_t r, size_t b) {
    size_t r0 = r / Q5_TILE_ROWS * Q5_TILE_ROWS, rows = n - r0 < Q5_TILE_ROWS ? n - r0 : Q5_TILE_ROWS;
    return r0 * nb + b * rows + (r - r0);
}

size_t gk_panels_q5_size(size_t m, size_t k, int q5) {
    return (m + PANEL - 1) / PANEL * (k / Q5_BLOCK) * record_bytes(q5);
}

/// IEEE half to float, exact (subnormals included).
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
    float magnitude;
    if (exponent == 0) {
        magnitude = ldexpf((float)mantissa, -24);
    } else if (exponent == 31) {
        magnitude = mantissa ? NAN : INFINITY;
    } else {
        magnitude = ldexpf((float)(mantissa | 0x400), (int)exponent - 25);
    }
    uint32_t bits;
    memcpy(&bits, &magnitude, 4);
    bits |= sign;
    memcpy(&magnitude, &bits, 4);
    return magnitude;
}

void gk_pack_panels_q5_row(const uint8_t *blocks, size_t k, size_t j, int q5, uint8_t *packed) {
    size_t nb = k / Q5_BLOCK, rb = record_bytes(q5), file_block = q5 ? 22 : 18;
    size_t c = j % PANEL;
    uint8_t *panel = packed + (j / PANEL) * nb * rb;
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *src = blocks + b * file_block;
        uint8_t *dst = panel + b * rb;
        const uint8_t *nibbles = src + (q5 ? 6 : 2);
        uint32_t high = 0;
        if (q5) memcpy(&high, src + 2, 4);  // little-endian, as GGUF stores it and x86 reads it
        for (int t = 0; t < 4; t++) {
            for (int e = 0; e < 4; e++) {
                dst[64 * t + 4 * c + e] = nibbles[4 * t + e];
                if (!q5) continue;
                uint8_t *fifth = dst + NIBBLE_BYTES + 4 * c + e;
                *fifth = (uint8_t)((*fifth & ~(0x11u << t)) | ((high >> (4 * t + e)) & 1) << t
                                   | ((high >> (16 + 4 * t + e)) & 1) << (4 + t));
            }
        }
        memcpy(dst + rb - SCALE_BYTES + 2 * c, src, 2);
    }
}

/// q (0..31 or 0..15) of input 32b + i of column c in a block record.
static inline int record_q(const uint8_t *record, size_t c, int i, int q5) {
    int group = i % 16 / 4, e = i % 4, upper = i >= 16;
    int nibble = (record[64 * group + 4 * c + e] >> (4 * upper)) & 0x0F;
    if (q5) nibble |= ((record[NIBBLE_BYTES + 4 * c + e] >> (group + 4 * upper)) & 1) << 4;
    return nibble;
}

static inline float record_d(const uint8_t *record, size_t c, int q5) {
    uint16_t h;
    memcpy(&h, record + record_bytes(q5) - SCALE_BYTES + 2 * c, 2);
    return half_to_float(h);
}

void gk_panels_q5_row(const uint8_t *packed, size_t k, size_t j, int q5, float *out) {
    size_t nb = k / Q5_BLOCK, rb = record_bytes(q5), c = j % PANEL;
    int offset = q5 ? 16 : 8;
    const uint8_t *panel = packed + (j / PANEL) * nb * rb;
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *record = panel + b * rb;
        float d = record_d(record, c, q5);
        for (int i = 0; i < Q5_BLOCK; i++) out[b * Q5_BLOCK + i] = d * (float)(record_q(record, c, i, q5) - offset);
    }
}

#if GK_X86
/// One block of 32 activations with AVX-512: the scalar loop's rounding (to nearest even) and clamping; returns the
/// block's max |x| and stores its int8 values and their sum.
GK_INLINE GK_AVX512 float quantize_block512(const float *v, int8_t *q, int32_t *sum) {
    __m512 a = _mm512_loadu_ps(v), b = _mm512_loadu_ps(v + 16);
    float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(b)));
    __m512 inverse = _mm512_set1_ps(amax > 0 ? 127 / amax : 0), hi = _mm512_set1_ps(127), lo = _mm512_set1_ps(-127);
    __m512 qa = _mm512_roundscale_ps(_mm512_mul_ps(a, inverse), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 qb = _mm512_roundscale_ps(_mm512_mul_ps(b, inverse), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512i ia = _mm512_cvtps_epi32(_mm512_max_ps(_mm512_min_ps(qa, hi), lo));
    __m512i ib = _mm512_cvtps_epi32(_mm512_max_ps(_mm512_min_ps(qb, hi), lo));
    _mm_storeu_si128((__m128i *)q, _mm512_cvtepi32_epi8(ia));
    _mm_storeu_si128((__m128i *)(q + 16), _mm512_cvtepi32_epi8(ib));
    *sum = _mm512_reduce_add_epi32(_mm512_add_epi32(ia, ib));
    return amax;
}

/// One block of 32 activations with AVX2, as quantize_block512.
GK_INLINE GK_AVX2 float quantize_block256(const float *v, int8_t *q, int32_t *sum) {
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 part[4];
    __m256 vmax = _mm256_setzero_ps();
    for (int i = 0; i < 4; i++) {
        part[i] = _mm256_loadu_ps(v + 8 * i);
        vmax = _mm256_max_ps(vmax, _mm256_and_ps(part[i], magnitude));
    }
    float amax = gk_hmax256(vmax);
    __m256 inverse = _mm256_set1_ps(amax > 0 ? 127 / amax : 0), hi = _mm256_set1_ps(127), lo = _mm256_set1_ps(-127);
    __m256i iq[4], total = _mm256_setzero_si256();
    for (int i = 0; i < 4; i++) {
        __m256 r = _mm256_round_ps(_mm256_mul_ps(part[i], inverse), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        iq[i] = _mm256_cvtps_epi32(_mm256_max_ps(_mm256_min_ps(r, hi), lo));
        total = _mm256_add_epi32(total, iq[i]);
    }
    // The packs work within 128-bit lanes; the permute puts the 4 x 8 bytes back in order.
    __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(iq[0], iq[1]), _mm256_packs_epi32(iq[2], iq[3]));
    _mm256_storeu_si256((__m256i *)q, _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(total), _mm256_extracti128_si256(total, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    *sum = _mm_cvtsi128_si32(s);
    return amax;
}

GK_AVX512 static void activations_q8_0_512(const float *x, size_t n, size_t k, int32_t offset, int8_t *xq,
                                           float *scales, int32_t *corrections) {
    for (size_t r = 0, nb = k / Q5_BLOCK; r < n; r++) {
        for (size_t b = 0; b < nb; b++) {
            size_t i = slot(n, nb, r, b);
            int32_t sum;
            scales[i] = quantize_block512(x + (r * nb + b) * Q5_BLOCK, xq + i * Q5_BLOCK, &sum) / 127;
            corrections[i] = -offset * sum;
        }
    }
}

GK_AVX2 static void activations_q8_0_256(const float *x, size_t n, size_t k, int32_t offset, int8_t *xq,
                                         float *scales, int32_t *corrections) {
    for (size_t r = 0, nb = k / Q5_BLOCK; r < n; r++) {
        for (size_t b = 0; b < nb; b++) {
            size_t i = slot(n, nb, r, b);
            int32_t sum;
            scales[i] = quantize_block256(x + (r * nb + b) * Q5_BLOCK, xq + i * Q5_BLOCK, &sum) / 127;
            corrections[i] = -offset * sum;
        }
    }
}
#endif

void gk_activations_q8_0(const float *x, size_t n, size_t k, int q5, int8_t *xq, float *scales,
                         int32_t *corrections) {
    const int32_t offset = q5 ? 16 : 8;
#if GK_X86
    if (gk_simd_active() >= GK_SIMD_AVX512) {
        activations_q8_0_512(x, n, k, offset, xq, scales, corrections);
        return;
    }
    if (gk_simd_active() >= GK_SIMD_AVX2) {
        activations_q8_0_256(x, n, k, offset, xq, scales, corrections);
        return;
    }
#endif
    size_t nb = k / Q5_BLOCK;
    for (size_t r = 0; r < n; r++) {
        for (size_t b = 0; b < nb; b++) {
            size_t i = slot(n, nb, r, b);
            const float *v = x + r * k + b * Q5_BLOCK;
            int8_t *q = xq + i * Q5_BLOCK;
            float amax = 0;
            for (int e = 0; e < Q5_BLOCK; e++) amax = fmaxf(amax, fabsf(v[e]));
            float inverse = amax > 0 ? 127 / amax : 0;
            int32_t sum = 0;
            for (int e = 0; e < Q5_BLOCK; e++) {
                q[e] = quantize(v[e], inverse);
                sum += q[e];
            }
            scales[i] = amax / 127;
            corrections[i] = -offset * sum;
        }
    }
}

// ---- Portable ------------------------------------------------------------------------------------------------

static void panels_q5_portable(const int8_t *xq, const float *xs, const int32_t *xc, size_t n, size_t k,
                               const uint8_t *packed, int q5, const float *bias, size_t m, size_t lo, size_t hi,
                               float *y, int accumulate) {
    size_t nb = k / Q5_BLOCK, rb = record_bytes(q5);
    for (size_t r = 0; r < n; r++) {
        for (size_t j = lo; j < hi; j++) {
            const uint8_t *panel = packed + (j / PANEL) * nb * rb;
            size_t c = j % PANEL;
            float acc = 0;
            for (size_t b = 0; b < nb; b++) {
                const uint8_t *record = panel + b * rb;
                size_t i = slot(n, nb, r, b);
                const int8_t *a = xq + i * Q5_BLOCK;
                int32_t dot = xc[i];
                for (int e = 0; e < Q5_BLOCK; e++) dot += record_q(record, c, e, q5) * a[e];
                acc = fmaf((float)dot, record_d(record, c, q5) * xs[i], acc);
            }
            put(y + r * m + j, acc, bias, j, accumulate);
        }
    }
}

#if GK_X86
/// Prefetches what lies PREFETCH_BYTES after a record (352 bytes at most: six lines).
GK_INLINE void prefetch_record(const uint8_t *record) {
    for (int line = 0; line < 6; line++) _mm_prefetch((const char *)record + PREFETCH_BYTES + 64 * line, _MM_HINT_T0);
}

// ---- AVX-512 VNNI: a block's 8 operands decoded into registers once per tile of rows ------------------------------

GK_INLINE GK_AVX512_VNNI void tile_q5_vnni(const int8_t *xq, const float *xs, const int32_t *xc, size_t k,
                                           const uint8_t *panel, const int q5, const int rows, float *y, size_t m,
                                           size_t j0, size_t cols, const float *bias, int accumulate) {
    size_t nb = k / Q5_BLOCK, rb = record_bytes(q5);
    __m512 acc[MAX_TILE_ROWS];
    UNROLL
    for (int r = 0; r < rows; r++) acc[r] = _mm512_setzero_ps();
    const __m512i low4 = _mm512_set1_epi8(0x0F), bit4 = _mm512_set1_epi8(0x10);
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *record = panel + b * rb;
        prefetch_record(record);
        __m512i w[8];
        __m512i fifth = q5 ? _mm512_loadu_si512(record + NIBBLE_BYTES) : _mm512_setzero_si512();
        UNROLL
        for (int t = 0; t < 4; t++) {
            __m512i v = _mm512_loadu_si512(record + 64 * t);
            w[t] = _mm512_and_si512(v, low4);
            w[t + 4] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
            if (q5) {
                // 0xF8: a | (b & c), bit 4 of each byte from the fifth bits moved into place.
                w[t] = _mm512_ternarylogic_epi32(w[t], _mm512_slli_epi16(fifth, 4 - t), bit4, 0xF8);
                w[t + 4] = _mm512_ternarylogic_epi32(w[t + 4], _mm512_srli_epi16(fifth, t), bit4, 0xF8);
            }
        }
        __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(record + rb - SCALE_BYTES)));
        UNROLL
        for (int r = 0; r < rows; r++) {
            const int8_t *a = xq + (b * rows + r) * Q5_BLOCK;
            __m512i dot = _mm512_set1_epi32(xc[b * rows + r]);
            UNROLL
            for (int g = 0; g < 8; g++) {
                int32_t quad;
                memcpy(&quad, a + 4 * g, 4);
                dot = _mm512_dpbusd_epi32(dot, w[g], _mm512_set1_epi32(quad));
            }
            __m512 scale = _mm512_mul_ps(dw, _mm512_set1_ps(xs[b * rows + r]));
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[r]);
        }
    }
    store_tile512(acc, rows, y, m, j0, cols, bias, accumulate);
}

GK_AVX512_VNNI static void panels_q5_vnni(const int8_t *xq, const float *xs, const int32_t *xc, size_t n,
                                          size_t k, const uint8_t *packed, int q5, const float *bias, size_t m,
                                          size_t lo, size_t hi, float *y, int accumulate) {
    size_t nb = k / Q5_BLOCK, nbr = nb * record_bytes(q5);
    for (size_t j0 = lo; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const uint8_t *panel = packed + (j0 / PANEL) * nbr;
        for (size_t r0 = 0; r0 < n; r0 += Q5_TILE_ROWS) {
            int rows = n - r0 < Q5_TILE_ROWS ? (int)(n - r0) : Q5_TILE_ROWS;
            const int8_t *xr = xq + r0 * k;
            const float *sr = xs + r0 * nb;
            const int32_t *ur = xc + r0 * nb;
            float *yr = y + r0 * m;
#define TILE(R)                                                                                                  \
    if (q5) tile_q5_vnni(xr, sr, ur, k, panel, 1, R, yr, m, j0, cols, bias, accumulate);                         \
    else tile_q5_vnni(xr, sr, ur, k, panel, 0, R, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH(TILE)
#undef TILE
        }
    }
}

// ---- AVX2: a block's operands decoded into 512 bytes (for all tiles of rows at once), then vpmaddubsw + vpmaddwd ---

#define AVX2_Q5_TILE_ROWS 4

/// The operands of groups t and t + 4 of one block for half panel `half` (8 columns x 4 inputs each, as unsigned
/// bytes) from its record.
GK_INLINE GK_AVX2 void decode_groups256(const uint8_t *record, const int q5, int t, int half, __m256i *lo,
                                        __m256i *hi) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), bit4 = _mm256_set1_epi8(0x10);
    __m256i v = _mm256_loadu_si256((const __m256i *)(record + 64 * t + 32 * half));
    *lo = _mm256_and_si256(v, low4);
    *hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
    if (q5) {
        __m256i fifth = _mm256_loadu_si256((const __m256i *)(record + NIBBLE_BYTES + 32 * half));
        *lo = _mm256_or_si256(*lo, _mm256_and_si256(_mm256_slli_epi16(fifth, 4 - t), bit4));
        *hi = _mm256_or_si256(*hi, _mm256_and_si256(_mm256_srli_epi16(fifth, t), bit4));
    }
}

/// The 8 operands of one block (group g at 64 g: 16 columns x 4 inputs as unsigned bytes) from its record.
GK_INLINE GK_AVX2 void decode_record256(const uint8_t *record, const int q5, uint8_t *operands) {
    for (int half = 0; half < 2; half++) {
        for (int t = 0; t < 4; t++) {
            __m256i lo, hi;
            decode_groups256(record, q5, t, half, &lo, &hi);
            _mm256_storeu_si256((__m256i *)(operands + 64 * t + 32 * half), lo);
            _mm256_storeu_si256((__m256i *)(operands + 64 * (t + 4) + 32 * half), hi);
        }
    }
}

/// Stores the 16 sums of a row (two halves of 8 columns), `cols` of them real.
GK_INLINE GK_AVX2 void store_row256(const __m256 *acc, float *out, size_t j0, size_t cols, const float *bias,
                                    int accumulate) {
    store_half256(acc[0], out, j0, cols < 8 ? cols : 8, bias, accumulate);
    if (cols > 8) store_half256(acc[1], out + 8, j0 + 8, cols - 8, bias, accumulate);
}

GK_INLINE GK_AVX2_F16C void tile_q5_256(const int8_t *xq, const float *xs, const int32_t *xc, size_t stride,
                                        size_t k, const uint8_t *panel, const int q5, const int rows, float *y,
                                        size_t m, size_t j0, size_t cols, const float *bias, int accumulate,
                                        const uint8_t *decoded) {
    size_t nb = k / Q5_BLOCK, rb = record_bytes(q5);
    __m256 acc[AVX2_Q5_TILE_ROWS][2];
    UNROLL
    for (int r = 0; r < rows; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
    const __m256i ones = _mm256_set1_epi16(1);
    _Alignas(64) uint8_t operands[8 * 64];
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *record = panel + b * rb;
        prefetch_record(record);
        const uint8_t *ops = decoded ? decoded + b * 8 * 64 : operands;
        if (!decoded) decode_record256(record, q5, operands);
        const uint16_t *d = (const uint16_t *)(record + rb - SCALE_BYTES);
        __m256 dw[2] = {_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)d)),
                        _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(d + 8)))};
        UNROLL
        for (int r = 0; r < rows; r++) {
            const int8_t *a = xq + (b * stride + r) * Q5_BLOCK;
            __m256i correction = _mm256_set1_epi32(xc[b * stride + r]);
            __m256 scale = _mm256_set1_ps(xs[b * stride + r]);
            for (int half = 0; half < 2; half++) {
                __m256i dot = correction;
                // Four groups' pair sums added in int16 (at most 4 x 2 x 31 x 127 = 31496) before widening.
                for (int g0 = 0; g0 < 8; g0 += 4) {
                    __m256i pairs = _mm256_setzero_si256();
                    for (int g = g0; g < g0 + 4; g++) {
                        int32_t quad;
                        memcpy(&quad, a + 4 * g, 4);
                        __m256i w = _mm256_load_si256((const __m256i *)(ops + 64 * g + 32 * half));
                        pairs = _mm256_add_epi16(pairs, _mm256_maddubs_epi16(w, _mm256_set1_epi32(quad)));
                    }
                    dot = _mm256_add_epi32(dot, _mm256_madd_epi16(pairs, ones));
                }
                acc[r][half] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(dw[half], scale), acc[r][half]);
            }
        }
    }
    UNROLL
    for (int r = 0; r < rows; r++) store_row256(acc[r], y + (size_t)r * m + j0, j0, cols, bias, accumulate);
}

/// One row against two panels at once (the columns j0..j0+31), each block's operands decoded in registers: the
/// tile's steps for one row in two streams from memory (as the AVX-512 Q4_K and Q6_K kernels read at batch 1).
GK_INLINE GK_AVX2_F16C void row_pair_q5_256(const int8_t *a, const float *xs, const int32_t *xc, size_t k,
                                            const uint8_t *panel, size_t panel_size, const int q5, float *y,
                                            size_t j0, const float *bias, int accumulate) {
    size_t nb = k / Q5_BLOCK, rb = record_bytes(q5);
    __m256 acc[2][2] = {{_mm256_setzero_ps(), _mm256_setzero_ps()}, {_mm256_setzero_ps(), _mm256_setzero_ps()}};
    const __m256i ones = _mm256_set1_epi16(1);
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *record[2] = {panel + b * rb, panel + panel_size + b * rb};
        prefetch_record(record[0]);
        prefetch_record(record[1]);
        __m256 scale = _mm256_set1_ps(xs[b]);
        UNROLL for (int p = 0; p < 2; p++) {
            const uint16_t *d = (const uint16_t *)(record[p] + rb - SCALE_BYTES);
            UNROLL for (int half = 0; half < 2; half++) {
                // Groups 0-3 and 4-7: four pair sums each added in int16 (at most 4 x 2 x 31 x 127) before widening.
                __m256i low = _mm256_setzero_si256(), high = low;
                UNROLL for (int t = 0; t < 4; t++) {
                    __m256i lo, hi;
                    decode_groups256(record[p], q5, t, half, &lo, &hi);
                    const int8_t *x = a + b * Q5_BLOCK + 4 * t;
                    low = _mm256_add_epi16(low, _mm256_maddubs_epi16(lo, _mm256_set1_epi32(load4(x))));
                    high = _mm256_add_epi16(high, _mm256_maddubs_epi16(hi, _mm256_set1_epi32(load4(x + 16))));
                }
                __m256i dot = _mm256_add_epi32(_mm256_set1_epi32(xc[b]), _mm256_madd_epi16(low, ones));
                dot = _mm256_add_epi32(dot, _mm256_madd_epi16(high, ones));
                __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(d + 8 * half)));
                acc[p][half] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(dw, scale), acc[p][half]);
            }
        }
    }
    store_pair256(acc, y, j0, bias, accumulate);
}

GK_AVX2_F16C static void panels_q5_avx2(const int8_t *xq, const float *xs, const int32_t *xc, size_t n, size_t k,
                                        const uint8_t *packed, int q5, const float *bias, size_t m, size_t lo,
                                        size_t hi, float *y, int accumulate) {
    // With more than one tile of rows, each panel's operands are decoded once for all of them (k / 32 x 512 bytes,
    // in L1 or L2); without the buffer (one tile, or no memory) each tile decodes its blocks as it goes.
    uint8_t *decoded = n > AVX2_Q5_TILE_ROWS ? aligned_alloc(64, k / Q5_BLOCK * 8 * 64) : NULL;
    size_t nb = k / Q5_BLOCK, nbr = nb * record_bytes(q5);
    size_t j0 = lo;
    // One row: whole pairs of panels first, two streams at once.
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        const uint8_t *panel = packed + (j0 / PANEL) * nbr;
        if (q5) row_pair_q5_256(xq, xs, xc, k, panel, nbr, 1, y, j0, bias, accumulate);
        else row_pair_q5_256(xq, xs, xc, k, panel, nbr, 0, y, j0, bias, accumulate);
    }
    for (; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const uint8_t *panel = packed + (j0 / PANEL) * nbr;
        if (decoded) {
            for (size_t b = 0; b < nb; b++) decode_record256(panel + b * record_bytes(q5), q5, decoded + b * 8 * 64);
        }
        // Tiles of 4 rows within the activations' tiles of Q5_TILE_ROWS (a multiple of 4).
        for (size_t t0 = 0; t0 < n; t0 += Q5_TILE_ROWS) {
            size_t stride = n - t0 < Q5_TILE_ROWS ? n - t0 : Q5_TILE_ROWS;
            for (size_t s0 = 0; s0 < stride; s0 += AVX2_Q5_TILE_ROWS) {
                int rows = stride - s0 < AVX2_Q5_TILE_ROWS ? (int)(stride - s0) : AVX2_Q5_TILE_ROWS;
                const int8_t *xr = xq + t0 * k + s0 * Q5_BLOCK;
                const float *sr = xs + t0 * nb + s0;
                const int32_t *ur = xc + t0 * nb + s0;
                float *yr = y + (t0 + s0) * m;
// A literal NULL where nothing was decoded ahead, so that tile (decode) is compiled without the buffer's branches.
#define TILE(R)                                                                                                  \
    if (decoded) tile_q5_256(xr, sr, ur, stride, k, panel, q5, R, yr, m, j0, cols, bias, accumulate, decoded);   \
    else if (q5) tile_q5_256(xr, sr, ur, stride, k, panel, 1, R, yr, m, j0, cols, bias, accumulate, NULL);       \
    else tile_q5_256(xr, sr, ur, stride, k, panel, 0, R, yr, m, j0, cols, bias, accumulate, NULL)
                ROWS_SWITCH4(TILE)
#undef TILE
            }
        }
    }
    free(decoded);
}

// ---- AVX-VNNI: the AVX2 tile with vpdpbusd, one instruction per group where AVX2 takes vpmaddubsw + vpaddw (and
// a vpmaddwd + vpaddd per four groups); the same operands, decoded once per panel for more than one tile of rows ----

GK_INLINE GK_AVX_VNNI void tile_q5_avx_vnni(const int8_t *xq, const float *xs, const int32_t *xc, size_t stride,
                                            size_t k, const uint8_t *panel, const int q5, const int rows, float *y,
                                            size_t m, size_t j0, size_t cols, const float *bias, int accumulate,
                                            const uint8_t *decoded) {
    size_t nb = k / Q5_BLOCK, rb = record_bytes(q5);
    __m256 acc[AVX2_Q5_TILE_ROWS][2];
    UNROLL
    for (int r = 0; r < rows; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
    _Alignas(64) uint8_t operands[8 * 64];
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *record = panel + b * rb;
        prefetch_record(record);
        const uint8_t *ops = decoded ? decoded + b * 8 * 64 : operands;
        if (!decoded) decode_record256(record, q5, operands);
        const uint16_t *d = (const uint16_t *)(record + rb - SCALE_BYTES);
        __m256 dw[2] = {_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)d)),
                        _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(d + 8)))};
        // Each group's operands loaded once for all rows of the tile (the AVX2 tile reloads them per row: with one
        // vpdpbusd per load that made the loads the limit).
        __m256i dot[AVX2_Q5_TILE_ROWS][2];
        UNROLL
        for (int r = 0; r < rows; r++) dot[r][0] = dot[r][1] = _mm256_set1_epi32(xc[b * stride + r]);
        UNROLL
        for (int g = 0; g < 8; g++) {
            __m256i w0 = _mm256_load_si256((const __m256i *)(ops + 64 * g));
            __m256i w1 = _mm256_load_si256((const __m256i *)(ops + 64 * g + 32));
            UNROLL
            for (int r = 0; r < rows; r++) {
                int32_t quad;
                memcpy(&quad, xq + (b * stride + r) * Q5_BLOCK + 4 * g, 4);
                __m256i x = _mm256_set1_epi32(quad);
                dot[r][0] = _mm256_dpbusd_avx_epi32(dot[r][0], w0, x);
                dot[r][1] = _mm256_dpbusd_avx_epi32(dot[r][1], w1, x);
            }
        }
        UNROLL
        for (int r = 0; r < rows; r++) {
            __m256 scale = _mm256_set1_ps(xs[b * stride + r]);
            UNROLL
            for (int half = 0; half < 2; half++) {
                acc[r][half] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[r][half]), _mm256_mul_ps(dw[half], scale),
                                               acc[r][half]);
            }
        }
    }
    UNROLL
    for (int r = 0; r < rows; r++) store_row256(acc[r], y + (size_t)r * m + j0, j0, cols, bias, accumulate);
}

/// One row against two panels at once, each block's operands decoded in registers: the AVX2 row pair with
/// vpdpbusd.
GK_INLINE GK_AVX_VNNI void row_pair_q5_avx_vnni(const int8_t *a, const float *xs, const int32_t *xc, size_t k,
                                                const uint8_t *panel, size_t panel_size, const int q5, float *y,
                                                size_t j0, const float *bias, int accumulate) {
    size_t nb = k / Q5_BLOCK, rb = record_bytes(q5);
    __m256 acc[2][2] = {{_mm256_setzero_ps(), _mm256_setzero_ps()}, {_mm256_setzero_ps(), _mm256_setzero_ps()}};
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *record[2] = {panel + b * rb, panel + panel_size + b * rb};
        prefetch_record(record[0]);
        prefetch_record(record[1]);
        __m256 scale = _mm256_set1_ps(xs[b]);
        UNROLL for (int p = 0; p < 2; p++) {
            const uint16_t *d = (const uint16_t *)(record[p] + rb - SCALE_BYTES);
            UNROLL for (int half = 0; half < 2; half++) {
                // Two sums, so that a block's 8 vpdpbusd are two chains, not one.
                __m256i dot = _mm256_set1_epi32(xc[b]), dot2 = _mm256_setzero_si256();
                UNROLL for (int t = 0; t < 4; t++) {
                    __m256i lo, hi;
                    decode_groups256(record[p], q5, t, half, &lo, &hi);
                    const int8_t *x = a + b * Q5_BLOCK + 4 * t;
                    dot = _mm256_dpbusd_avx_epi32(dot, lo, _mm256_set1_epi32(load4(x)));
                    dot2 = _mm256_dpbusd_avx_epi32(dot2, hi, _mm256_set1_epi32(load4(x + 16)));
                }
                __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(d + 8 * half)));
                __m256 sum = _mm256_cvtepi32_ps(_mm256_add_epi32(dot, dot2));
                acc[p][half] = _mm256_fmadd_ps(sum, _mm256_mul_ps(dw, scale), acc[p][half]);
            }
        }
    }
    store_pair256(acc, y, j0, bias, accumulate);
}

GK_AVX_VNNI static void panels_q5_avx_vnni(const int8_t *xq, const float *xs, const int32_t *xc, size_t n,
                                           size_t k, const uint8_t *packed, int q5, const float *bias, size_t m,
                                           size_t lo, size_t hi, float *y, int accumulate) {
    uint8_t *decoded = n > AVX2_Q5_TILE_ROWS ? aligned_alloc(64, k / Q5_BLOCK * 8 * 64) : NULL;
    size_t nb = k / Q5_BLOCK, nbr = nb * record_bytes(q5);
    size_t j0 = lo;
    // One row: whole pairs of panels first, two streams at once.
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        const uint8_t *panel = packed + (j0 / PANEL) * nbr;
        if (q5) row_pair_q5_avx_vnni(xq, xs, xc, k, panel, nbr, 1, y, j0, bias, accumulate);
        else row_pair_q5_avx_vnni(xq, xs, xc, k, panel, nbr, 0, y, j0, bias, accumulate);
    }
    for (; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const uint8_t *panel = packed + (j0 / PANEL) * nbr;
        if (decoded) {
            for (size_t b = 0; b < nb; b++) decode_record256(panel + b * record_bytes(q5), q5, decoded + b * 8 * 64);
        }
        for (size_t t0 = 0; t0 < n; t0 += Q5_TILE_ROWS) {
            size_t stride = n - t0 < Q5_TILE_ROWS ? n - t0 : Q5_TILE_ROWS;
            for (size_t s0 = 0; s0 < stride; s0 += AVX2_Q5_TILE_ROWS) {
                int rows = stride - s0 < AVX2_Q5_TILE_ROWS ? (int)(stride - s0) : AVX2_Q5_TILE_ROWS;
                const int8_t *xr = xq + t0 * k + s0 * Q5_BLOCK;
                const float *sr = xs + t0 * nb + s0;
                const int32_t *ur = xc + t0 * nb + s0;
                float *yr = y + (t0 + s0) * m;
#define TILE(R)                                                                                                   \
    if (decoded) tile_q5_avx_vnni(xr, sr, ur, stride, k, panel, q5, R, yr, m, j0, cols, bias, accumulate, decoded); \
    else if (q5) tile_q5_avx_vnni(xr, sr, ur, stride, k, panel, 1, R, yr, m, j0, cols, bias, accumulate, NULL);     \
    else tile_q5_avx_vnni(xr, sr, ur, stride, k, panel, 0, R, yr, m, j0, cols, bias, accumulate, NULL)
                ROWS_SWITCH4(TILE)
#undef TILE
            }
        }
    }
    free(decoded);
}
#endif

void gk_linear_panels_q5(const int8_t *xq, const float *scales, const int32_t *corrections, size_t n, size_t k,
                         const uint8_t *packed, int q5, const float *bias, size_t m, size_t lo, size_t hi, float *y,
                         int accumulate) {
    if (lo >= hi || n == 0) return;
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512 && gk_simd_has_vnni()) {
        panels_q5_vnni(xq, scales, corrections, n, k, packed, q5, bias, m, lo, hi, y, accumulate);
        return;
    }
    if (level == GK_SIMD_AVX_VNNI) {
        panels_q5_avx_vnni(xq, scales, corrections, n, k, packed, q5, bias, m, lo, hi, y, accumulate);
        return;
    }
    if (level >= GK_SIMD_AVX2) {
        panels_q5_avx2(xq, scales, corrections, n, k, packed, q5, bias, m, lo, hi, y, accumulate);
        return;
    }
#endif
    panels_q5_portable(xq, scales, corrections, n, k, packed, q5, bias, m, lo, hi, y, accumulate);
}
