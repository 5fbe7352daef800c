// Hot loops of the runtime in C with x86 intrinsics, chosen at run time by what the CPU supports.
//
// Every function has a portable C path, an AVX2+FMA path and an AVX-512 path (F, BW, VL, DQ, and BF16 for the
// bf16 dot products, VNNI for the int8 ones); the widest the CPU and OS support is used (on Intel cores less the
// bf16 dot products, slower there) unless gk_limit_simd sets another (tests compare every path with the naive twins
// in Swift). Nothing here allocates except gk_linear_panels when it is not given the bf16 activations it needs, and
// gk_ticket_create (for tests). Thread-safe: no shared mutable state apart from the SIMD level, which is set once,
// the thread count (atomic) and the helper threads of gk_parallel.
#ifndef GPTLS_CKERNELS_H
#define GPTLS_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One part of a parallel call.
typedef void (*gk_task_fn)(void *context, size_t part);
/// Runs fn(context, p) for p in 0..<parts on the calling thread and up to threads - 1 helper threads (started on
/// first use; parts are claimed in order as threads free up), and returns when all are done. Helpers spin briefly
/// between calls and then sleep. A call made while another is running runs all its parts on the calling thread.
/// `threads` is the caller's choice (the kernels' thread count); helpers beyond GK_MAX_THREADS - 1 are not started.
void gk_parallel(size_t parts, size_t threads, gk_task_fn fn, void *context);
/// The most threads one parallel call uses: a bound against a mistaken count, far above any CPU count we serve.
enum { GK_MAX_THREADS = 1024 };

/// How gk_parallel's threads claim parts (ticket.h), public so tests can replay a late helper step by step. A call
/// prepares the ticket with its generation and part count (no part can be claimed, not even with an older value),
/// sets up its job, and opens it; a thread claims with a value it read, and gets false once the call has no parts
/// left or another call began.
typedef struct gk_ticket gk_ticket;
gk_ticket *gk_ticket_create(void);
void gk_ticket_destroy(gk_ticket *ticket);
void gk_ticket_prepare(gk_ticket *ticket, uint32_t generation, uint32_t parts);
void gk_ticket_open(gk_ticket *ticket, uint32_t generation);
uint64_t gk_ticket_read(gk_ticket *ticket);
int gk_ticket_claim(gk_ticket *ticket, uint32_t generation, uint64_t seen, uint32_t *part);

/// Gives the pages of freed heap memory back to the system (glibc's malloc_trim); returns 1 when some were given
/// back, 0 when none were or the C library keeps no such pages. May be called from any thread.
int gk_release_free_heap(void);

/// CPUs this process may run on: the size of its affinity mask (sched_getaffinity), or 0 where the system has no
/// affinity mask (macOS) or the call fails; the caller then falls back to the processor count.
int gk_affinity_cpu_count(void);
/// The thread count the kernels use, 0 until set (then the caller's default applies). Atomic.
size_t gk_thread_count(void);
/// Sets the thread count the kernels use (0: back to the caller's default). Atomic: takes effect at the next call.
void gk_set_thread_count(size_t threads);

/// SIMD paths, from narrowest to widest. GK_SIMD_AVX_VNNI is AVX2 with vpdpbusd on 256-bit registers (AVX-VNNI:
/// Intel cores from Alder Lake on, most of them without AVX-512); a CPU with AVX-512 but not AVX-VNNI cannot run it.
enum { GK_SIMD_PORTABLE = 0, GK_SIMD_AVX2 = 1, GK_SIMD_AVX_VNNI = 2, GK_SIMD_AVX512 = 3, GK_SIMD_AVX512_BF16 = 4 };

/// The widest path this CPU and OS support (cpuid and xgetbv; cached).
int gk_simd_supported(void);
/// The path in use: the supported one (on Intel cores AVX-512 without the bf16 dot product, which is slower there than
/// fp32 FMAs), or what gk_limit_simd set.
int gk_simd_active(void);
/// Whether the CPU has AVX-512 VNNI (vpdpbusd), which the int8 kernels use when the path in use is AVX-512 or
/// wider (below it they take the AVX2 path). Cached.
int gk_simd_has_vnni(void);
/// Whether this CPU can run path `level` (at most the supported one, and AVX-VNNI only where the CPU has it).
int gk_simd_runs(int level);
/// Caps the path in use at `level` (never above what is supported; AVX-VNNI becomes AVX2 on a CPU without it);
/// returns the path now in use. For tests and benchmarks; call it while no kernel runs.
int gk_limit_simd(int level);

/// In place: x = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the tanh GELU of GPT-2.
void gk_gelu(float *x, size_t n);
/// out = silu(gate) * up = gate * up / (1 + e^-gate) over n values (e^x with the kernels' polynomial).
void gk_swiglu(const float *gate, const float *up, size_t n, float *out);
/// In place, numerically stable softmax of n values (n >= 1).
void gk_softmax(float *x, size_t n);
/// y[r] = (x[r] - mean) / sqrt(var + eps) * gain + bias over rows of c channels; y may equal x.
void gk_layernorm(const float *x, size_t rows, size_t c, const float *gain, const float *bias, float eps,
                  float *y);
/// In place e^x with the kernels' polynomial (inputs clamped to [-87.3, 88.3]; relative error about 2e-7).
void gk_exp(float *x, size_t n);

/// bf16 weights in panels of 16 output columns (see panels.c): the number of uint16 elements for W [m, k].
size_t gk_panels_size(size_t m, size_t k);
/// Rounds fp32 W [m, k] (nn.Linear layout) to bf16 panels; `packed` holds gk_panels_size(m, k) elements.
void gk_pack_panels(const float *w, size_t m, size_t k, uint16_t *packed);
/// The same from W stored transposed, [k, m] (a Conv1D weight), without transposing it first.
void gk_pack_panels_transposed(const float *wt, size_t m, size_t k, uint16_t *packed);
/// x [n, k] fp32 to bf16 [n, kp] (kp = k rounded up to even, zero padded): the activations of the BF16 path.
void gk_activations_bf16(const float *x, size_t n, size_t k, uint16_t *xb);
/// Whether gk_linear_panels uses bf16 activations on this machine (AVX-512 BF16), so callers convert x once.
int gk_panels_use_bf16_activations(void);
/// Linear layer over output columns [lo, hi) (lo a multiple of 16) with panel-packed bf16 weights:
///   y[r, j] = (accumulate ? y[r, j] : 0) + bias[j] + sum_i x[r, i] W[j, i], for r < n.
/// With AVX-512 BF16 the activations are rounded to bf16 (xb, from gk_activations_bf16, or made here when NULL)
/// and multiplied with vdpbf16ps; the other paths widen the weights and keep x in fp32. Any n: tiles of up to
/// 12 rows, each panel streamed once per tile.
void gk_linear_panels(const float *x, const uint16_t *xb, size_t n, size_t k, const uint16_t *packed,
                      const float *bias, size_t m, size_t lo, size_t hi, float *y, int accumulate);

/// fp32 weights in panels of 16 output columns (see panels_f32.c): floats for W [m, k].
size_t gk_panels_f32_size(size_t m, size_t k);
/// Copies fp32 W [m, k] (nn.Linear layout) into panels; `packed` holds gk_panels_f32_size(m, k) floats.
void gk_pack_panels_f32(const float *w, size_t m, size_t k, float *packed);
/// The same from W stored transposed, [k, m] (a Conv1D weight): each panel row is 16 contiguous floats of it.
void gk_pack_panels_f32_transposed(const float *wt, size_t m, size_t k, float *packed);
/// Row `row` of W (the k weights of output `row`) read back out of fp32 panels into `out`.
void gk_panels_f32_row(const float *packed, size_t k, size_t row, float *out);
/// Linear layer over output columns [lo, hi) (lo a multiple of 16) with panel-packed fp32 weights:
///   y[r, j] = (accumulate ? y[r, j] : 0) + bias[j] + sum_i x[r, i] W[j, i], for r < n. Any n.
void gk_linear_panels_f32(const float *x, size_t n, size_t k, const float *packed, const float *bias, size_t m,
                          size_t lo, size_t hi, float *y, int accumulate);

/// GGUF Q5_0 (`q5` != 0) or Q4_0 (`q5` == 0) weights kept at their width in panels of 16 output columns (see
/// panels_q5.c): bytes for W [m, k] (k a multiple of 32). Allocate zeroed: columns beyond m must stay zero.
size_t gk_panels_q5_size(size_t m, size_t k, int q5);
/// Moves row j of W, its k / 32 blocks as the file stores them (22 bytes each for Q5_0, 18 for Q4_0), into column j
/// of the panels. Rows may be packed in any order, each once.
void gk_pack_panels_q5_row(const uint8_t *blocks, size_t k, size_t j, int q5, uint8_t *packed);
/// Row j of W as fp32 (k floats), equal bit for bit to the file's dequantized row (d (q - 16), or d (q - 8)).
void gk_panels_q5_row(const uint8_t *packed, size_t k, size_t j, int q5, float *out);
/// Quantizes x [n, k] (k a multiple of 32) for gk_linear_panels_q5 per row and block of 32 inputs, as ggml's Q8_0:
/// each block's scale = max |x| / 127, its 32 values round(x / scale) in [-127, 127], and its correction -offset
/// times their sum (offset 16 for Q5_0 weights, `q5` != 0, or 8 for Q4_0). Layout (n k values, n k / 32 scales and
/// corrections): rows in tiles of 12, the last one shorter; within a tile of R rows, block b of its row s is block
/// b R + s of the tile, which starts at block (first row) k / 32.
void gk_activations_q8_0(const float *x, size_t n, size_t k, int q5, int8_t *xq, float *scales,
                         int32_t *corrections);
/// Linear layer over output columns [lo, hi) (lo a multiple of 16) with Q5_0 / Q4_0 panels and activations
/// quantized by gk_activations_q8_0 (with the same q5): y[r, j] = (accumulate ? y[r, j] : 0) + bias[j]
///     + sum_b d[j, b] scale[r, b] (dot(q[j, b], xq[r, b]) + correction[r, b]).
/// The integer dot products are exact on every path (AVX-512 VNNI and AVX-VNNI vpdpbusd, AVX2 vpmaddubsw, portable
/// C). Any n: tiles of up to 12 rows (4 on AVX2 and AVX-VNNI), each panel streamed once per tile.
void gk_linear_panels_q5(const int8_t *xq, const float *scales, const int32_t *corrections, size_t n, size_t k,
                         const uint8_t *packed, int q5, const float *bias, size_t m, size_t lo, size_t hi, float *y,
                         int accumulate);

/// int8 weights in panels of 16 output columns and groups of 4 inputs (see panels_i8.c): bytes for W [m, k].
size_t gk_panels_i8_size(size_t m, size_t k);
/// Entries of the per-column scales and sums of int8 panels for m columns (m rounded up to 16; padding is zero).
size_t gk_panels_i8_columns(size_t m);
/// Quantizes fp32 W [m, k] (nn.Linear layout) per output column: scales[j] = max |W[j, :]| / 127, packed holds
/// round(W / scale) in [-127, 127] (gk_panels_i8_size bytes), sums[j] the sum of column j's quantized weights.
/// `scales` and `sums` hold gk_panels_i8_columns(m) entries.
void gk_pack_panels_i8(const float *w, size_t m, size_t k, int8_t *packed, float *scales, int32_t *sums);
/// The same from W stored transposed, [k, m] (a Conv1D weight), without transposing it first.
void gk_pack_panels_i8_transposed(const float *wt, size_t m, size_t k, int8_t *packed, float *scales,
                                  int32_t *sums);
/// Row `row` of W as the panels hold it (scale times the quantized weights) into `out` (k floats).
void gk_panels_i8_row(const int8_t *packed, const float *scales, size_t k, size_t row, float *out);
/// Quantizes x [n, k] per row for gk_linear_panels_i8: row_scales[r] = max |x[r, :]| / 127 and xq [n, k4] (k4 = k
/// rounded up to a multiple of 4) = round(x / scale) + 128, padded with 128 (zero).
void gk_activations_i8(const float *x, size_t n, size_t k, uint8_t *xq, float *row_scales);
/// Linear layer over output columns [lo, hi) (lo a multiple of 16) with int8 panels and activations quantized by
/// gk_activations_i8: y[r, j] = (accumulate ? y[r, j] : 0) + bias[j]
///                              + row_scales[r] scales[j] (sum_i xq[r, i] W[j, i] - 128 sums[j]), for r < n.
/// The int32 sums are exact on every path (AVX-512 VNNI and AVX-VNNI vpdpbusd, AVX2 vpmaddwd, portable C). Any n:
/// tiles of up to 12 rows, each panel streamed once per tile.
void gk_linear_panels_i8(const uint8_t *xq, const float *row_scales, size_t n, size_t k, const int8_t *packed,
                         const float *scales, const int32_t *sums, const float *bias, size_t m, size_t lo,
                         size_t hi, float *y, int accumulate);

/// GGUF Q4_K weights kept 4-bit in panels of 16 output columns (see panels_q4k.c): bytes for W [m, k] (k a multiple
/// of 256, as Q4_K requires). Allocate zeroed: columns beyond m must stay zero.
size_t gk_panels_q4k_size(size_t m, size_t k);
/// Moves row j of W, its k / 256 Q4_K blocks as the file stores them (144 bytes each), into column j of the panels.
/// Rows may be packed in any order, each once.
void gk_pack_panels_q4k_row(const uint8_t *blocks, size_t k, size_t j, uint8_t *packed);
/// Row j of W as fp32 (k floats), equal bit for bit to the file's dequantized row.
void gk_panels_q4k_row(const uint8_t *packed, size_t k, size_t j, float *out);
/// Quantizes x [n, k] (k a multiple of 256) for gk_linear_panels_q4k and gk_linear_panels_q6k, per row and block of
/// 256 inputs: scales [n, k/256] = max |x| / 127, xq [n, k] = round(x / scale) in [-127, 127], sums [n, k/group] the
/// sum of xq over each `group` inputs (32 for Q4_K, 16 for Q6_K).
void gk_activations_q8k(const float *x, size_t n, size_t k, size_t group, int8_t *xq, float *scales, int16_t *sums);
/// Linear layer over output columns [lo, hi) (lo a multiple of 16) with Q4_K panels and activations quantized by
/// gk_activations_q8k: y[r, j] = (accumulate ? y[r, j] : 0) + bias[j]
///     + sum_b scales[r, b] (d[j, b] sum_s sc[j, s] dot(q_w, xq) - dmin[j, b] sum_s m[j, s] sums[r, s]).
/// The integer sums are exact on every path (AVX-512 VNNI and AVX-VNNI vpdpbusd, AVX2 vpmaddubsw, portable C). Any n.
void gk_linear_panels_q4k(const int8_t *xq, const float *scales, const int16_t *sums, size_t n, size_t k,
                          const uint8_t *packed, const float *bias, size_t m, size_t lo, size_t hi, float *y,
                          int accumulate);

/// GGUF Q6_K weights kept 6-bit in panels of 16 output columns (see panels_q6k.c): bytes for W [m, k] (k a multiple
/// of 256, as Q6_K requires). Allocate zeroed: columns beyond m must stay zero, and packing ORs bits into place.
size_t gk_panels_q6k_size(size_t m, size_t k);
/// Moves row j of W, its k / 256 Q6_K blocks as the file stores them (210 bytes each), into column j of the panels.
/// Rows may be packed in any order, each once.
void gk_pack_panels_q6k_row(const uint8_t *blocks, size_t k, size_t j, uint8_t *packed);
/// Row j of W as fp32 (k floats), equal bit for bit to the file's dequantized row.
void gk_panels_q6k_row(const uint8_t *packed, size_t k, size_t j, float *out);
/// Linear layer over output columns [lo, hi) (lo a multiple of 16) with Q6_K panels and activations quantized by
/// gk_activations_q8k with group 16: y[r, j] = (accumulate ? y[r, j] : 0) + bias[j]
///     + sum_b scales[r, b] d[j, b] sum_s sc[j, s] (dot(q_w, xq) - 32 sums16[r, s]).
/// The integer sums are exact on every path (AVX-512 VNNI vpdpbusd, AVX2 vpmaddubsw, portable C). Any n.
void gk_linear_panels_q6k(const int8_t *xq, const float *scales, const int16_t *sums16, size_t n, size_t k,
                          const uint8_t *packed, const float *bias, size_t m, size_t lo, size_t hi, float *y,
                          int accumulate);

/// The sum of x[0..<n] (n a multiple of 64) read with the CPU's widest loads (whatever the SIMD cap):
/// `gptls-tools bench`'s read-bandwidth probe.
float gk_read_probe(const float *x, size_t n);

/// Paged KV cache, one layer of a block laid out [2 (K, V)][H][blockSize][D] in fp32 or bf16 (`bf16` != 0).
/// Element offsets count fp32 or bf16 values. Stores one position's H*D values of K (or V) from `src` ([H, D]) into
/// the slot at `dst` (head 0), heads `head_stride` (= blockSize * D) elements apart.
void gk_kv_store(const float *src, size_t heads, size_t d, size_t head_stride, void *dst, int bf16);
/// Copies positions 0..<n of one head (`head`: block 0's slice of that head; block b at table[b] * block_stride)
/// to fp32 [n, D].
void gk_kv_gather(const void *head, int bf16, size_t block_stride, size_t block_size, const int32_t *table,
                  size_t n, size_t d, float *dst);
/// One query q [D] against positions 0..<n of one head: out [D] = softmax(scale * q K^T) V. `keys`, `values`:
/// block 0's slice of the head; `scores`: scratch of n floats.
void gk_attend_head(const float *q, size_t d, const void *keys, const void *values, int bf16, size_t block_stride,
                    size_t block_size, const int32_t *table, size_t n, float scale, float *scores, float *out);
/// The `g` query heads of one key/value head's group, q [g, D], against positions 0..<n of that head: out [g, D], each
/// head's row what `gk_attend_head` gives for it, with the keys and values read once for the group. `scores`: scratch
/// of g * n floats.
void gk_attend_group(const float *q, size_t g, size_t d, const void *keys, const void *values, int bf16,
                     size_t block_stride, size_t block_size, const int32_t *table, size_t n, float scale,
                     float *scores, float *out);
/// Causal attention of `rows` query rows of one head (row r at q + r * q_stride, position first + r) against that
/// head's keys, transposed (keys_t [D, >= first + rows], rows `ldk` floats apart), and values [>= first + rows, D]:
/// out row r (at out + r * out_stride) = softmax(scale * q_r K^T over positions 0...first + r) V. `scratch`: rows *
/// (D + first + rows) floats.
void gk_attend_rows(const float *q, size_t q_stride, size_t rows, size_t first, size_t d, const float *keys_t,
                    size_t ldk, const float *values, float scale, float *scratch, float *out, size_t out_stride);

#ifdef __cplusplus
}
#endif

#endif
