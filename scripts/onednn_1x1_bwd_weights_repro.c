// oneDNN 2.6 (Debian libdnnl2 2.6.3): strided 1x1 convolution backward-weights writes past the end
// of its scratchpad on more than one OpenMP thread when the NHWC source has fewer input channels
// than the kernel's channel block (jit_1x1:avx512_core, IC < 16). Upstream: uxlfoundation/oneDNN
// issue 6035. No Deno, no TF.js: plain C against the library.
//
//   gcc -O1 -fopenmp scripts/onednn_1x1_bwd_weights_repro.c -o /tmp/repro -ldnnl
//   OMP_NUM_THREADS=2 /tmp/repro 6000 1   # user scratchpad + canaries: prints each overflow
//   OMP_NUM_THREADS=2 /tmp/repro 6000 0   # library scratchpad (glibc heap): aborts or segfaults
//   OMP_NUM_THREADS=1 /tmp/repro 6000 1   # one thread: no overflow
//   OMP_NUM_THREADS=2 /tmp/repro 6000 1 1 # skipping strided jit_1x1 (usam's workaround): none
//
// Arguments: shapes, scratchpad mode (1 = user, each buffer followed by a canary region checked
// after every execution; 0 = library), skip (1 = take the next implementation instead of a
// jit_1x1 one for strided shapes, as src/backends/native_dnnl_conv.ts does). Measured on a
// Sapphire Rapids Xeon, 2 threads, 6000 shapes, user scratchpad: 32 overflows (up to 1040 bytes),
// all jit_1x1:avx512_core with stride 2 and IC < 16; library scratchpad: 3 of 3 runs crashed.
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(call)                                                     \
  do {                                                                  \
    dnnl_status_t status_ = (call);                                     \
    if (status_ != dnnl_success) {                                      \
      fprintf(stderr, "%s failed: status %d\n", #call, (int)status_); \
      exit(2);                                                          \
    }                                                                   \
  } while (0)

enum { CANARY_BYTES = 4096, CANARY = 0xA5 };

static unsigned long long state = 14;
static int draw(int n) {  // a 64-bit LCG: the same shapes on every run
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (int)((state >> 33) % (unsigned long long)n);
}

static float *with_canary(size_t bytes) {
  unsigned char *p = malloc(bytes + CANARY_BYTES);
  if (p == NULL) exit(2);
  memset(p, 0, bytes);
  memset(p + bytes, CANARY, CANARY_BYTES);
  return (float *)p;
}

// Offset of the first overwritten canary byte after `bytes`, or -1.
static long overwritten(const float *p, size_t bytes) {
  const unsigned char *c = (const unsigned char *)p + bytes;
  for (long i = 0; i < CANARY_BYTES; i++)
    if (c[i] != CANARY) return i;
  return -1;
}

static dnnl_primitive_desc_t create_pd(const dnnl_convolution_desc_t *desc,
                                       dnnl_primitive_attr_t attr, dnnl_engine_t engine,
                                       dnnl_primitive_desc_t hint, int skip, int strided) {
  dnnl_primitive_desc_t pd;
  if (!skip) {
    CHECK(dnnl_primitive_desc_create(&pd, desc, attr, engine, hint));
    return pd;
  }
  dnnl_primitive_desc_iterator_t it;
  CHECK(dnnl_primitive_desc_iterator_create(&it, desc, attr, engine, hint));
  for (;;) {
    pd = dnnl_primitive_desc_iterator_fetch(it);
    const char *name;
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name));
    if (!(strided && strncmp(name, "jit_1x1", 7) == 0)) break;
    dnnl_primitive_desc_destroy(pd);
    if (dnnl_primitive_desc_iterator_next(it) != dnnl_success) {
      fprintf(stderr, "no implementation left\n");
      exit(3);
    }
  }
  dnnl_primitive_desc_iterator_destroy(it);
  return pd;
}

int main(int argc, char **argv) {
  const int shapes = argc > 1 ? atoi(argv[1]) : 1000;
  const int user_scratchpad = argc > 2 ? atoi(argv[2]) : 1;
  const int skip = argc > 3 ? atoi(argv[3]) : 0;
  dnnl_engine_t engine;
  CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
  dnnl_stream_t stream;
  CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
  printf("threads %d, %s scratchpad, skip %d\n", omp_get_max_threads(),
         user_scratchpad ? "user" : "library", skip);
  fflush(stdout);
  int overflows = 0;
  for (int t = 0; t < shapes; t++) {
    const int n = 1 + draw(4), h = 5 + draw(9), w = 5 + draw(9), ic = 1 + draw(6);
    const int oc = 1 + draw(9), k = 1 + draw(4), s = 1 + draw(2), same = t % 2 == 0;
    int oh, ow, top = 0, left = 0, bottom = 0, right = 0;
    if (same) {
      oh = (h + s - 1) / s;
      ow = (w + s - 1) / s;
      const int ph = (oh - 1) * s + k - h > 0 ? (oh - 1) * s + k - h : 0;
      const int pw = (ow - 1) * s + k - w > 0 ? (ow - 1) * s + k - w : 0;
      top = ph / 2, bottom = ph - top, left = pw / 2, right = pw - left;
    } else {
      oh = (h - k) / s + 1;
      ow = (w - k) / s + 1;
    }
    dnnl_memory_desc_t src_md, weights_md, dst_md;
    dnnl_dims_t src_dims = {n, ic, h, w}, weights_dims = {oc, ic, k, k}, dst_dims = {n, oc, oh, ow};
    CHECK(dnnl_memory_desc_init_by_tag(&src_md, 4, src_dims, dnnl_f32, dnnl_nhwc));
    CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_dims, dnnl_f32, dnnl_nhwc));
    CHECK(dnnl_memory_desc_init_by_tag(&weights_md, 4, weights_dims, dnnl_f32, dnnl_format_tag_any));
    dnnl_dims_t strides = {s, s}, dilates = {0, 0}, pad_l = {top, left}, pad_r = {bottom, right};
    dnnl_convolution_desc_t forward, backward;
    CHECK(dnnl_dilated_convolution_forward_desc_init(&forward, dnnl_forward_training,
                                                     dnnl_convolution_direct, &src_md, &weights_md,
                                                     NULL, &dst_md, strides, dilates, pad_l, pad_r));
    dnnl_primitive_desc_t hint;
    CHECK(dnnl_primitive_desc_create(&hint, &forward, NULL, engine, NULL));
    CHECK(dnnl_dilated_convolution_backward_weights_desc_init(
        &backward, dnnl_convolution_direct, &src_md, &weights_md, NULL, &dst_md, strides, dilates,
        pad_l, pad_r));
    dnnl_primitive_attr_t attr;
    CHECK(dnnl_primitive_attr_create(&attr));
    if (user_scratchpad) CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
    dnnl_primitive_desc_t pd = create_pd(&backward, attr, engine, hint, skip, s > 1);
    dnnl_primitive_attr_destroy(attr);
    dnnl_primitive_t primitive;
    CHECK(dnnl_primitive_create(&primitive, pd));
    const dnnl_memory_desc_t *dw_md = dnnl_primitive_desc_query_md(pd, dnnl_query_diff_weights_md, 0);
    const dnnl_memory_desc_t *pad_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    const size_t src_bytes = dnnl_memory_desc_get_size(&src_md);
    const size_t dst_bytes = dnnl_memory_desc_get_size(&dst_md);
    const size_t dw_bytes = dnnl_memory_desc_get_size(dw_md);
    const size_t pad_bytes = pad_md != NULL ? dnnl_memory_desc_get_size(pad_md) : 0;
    float *src = with_canary(src_bytes), *dst = with_canary(dst_bytes);
    float *dw = with_canary(dw_bytes), *pad = with_canary(pad_bytes);
    for (size_t i = 0; i < src_bytes / 4; i++) src[i] = (float)draw(100) / 50 - 1;
    for (size_t i = 0; i < dst_bytes / 4; i++) dst[i] = (float)draw(100) / 50 - 1;
    dnnl_memory_t src_m, dst_m, dw_m, pad_m = NULL;
    CHECK(dnnl_memory_create(&src_m, &src_md, engine, src));
    CHECK(dnnl_memory_create(&dst_m, &dst_md, engine, dst));
    CHECK(dnnl_memory_create(&dw_m, dw_md, engine, dw));
    dnnl_exec_arg_t args[4] = {
        {DNNL_ARG_SRC, src_m}, {DNNL_ARG_DIFF_DST, dst_m}, {DNNL_ARG_DIFF_WEIGHTS, dw_m}};
    int nargs = 3;
    if (user_scratchpad && pad_bytes > 0) {
      CHECK(dnnl_memory_create(&pad_m, pad_md, engine, pad));
      args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, pad_m};
    }
    const char *name;
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name));
    for (int repeat = 0; repeat < 2; repeat++) {
      CHECK(dnnl_primitive_execute(primitive, stream, nargs, args));
      CHECK(dnnl_stream_wait(stream));
    }
    const long hits[4] = {overwritten(src, src_bytes), overwritten(dst, dst_bytes),
                          overwritten(dw, dw_bytes), overwritten(pad, pad_bytes)};
    if (hits[0] >= 0 || hits[1] >= 0 || hits[2] >= 0 || hits[3] >= 0) {
      overflows++;
      printf("overflow: %s mb%d ic%d oc%d ih%d iw%d k%d s%d %s: past src %ld, diff_dst %ld, "
             "diff_weights %ld, scratchpad (%zu bytes) %ld\n",
             name, n, ic, oc, h, w, k, s, same ? "same" : "valid", hits[0], hits[1], hits[2],
             pad_bytes, hits[3]);
      fflush(stdout);
    }
    dnnl_memory_destroy(src_m);
    dnnl_memory_destroy(dst_m);
    dnnl_memory_destroy(dw_m);
    if (pad_m != NULL) dnnl_memory_destroy(pad_m);
    dnnl_primitive_destroy(primitive);
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_desc_destroy(hint);
    free(src);
    free(dst);
    free(dw);
    free(pad);
  }
  printf("%d shapes, %d overflows\n", shapes, overflows);
  return overflows > 0;
}
