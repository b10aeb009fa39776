// gen.c writes golden.bin: inputs and outputs of ggml's own quantization
// kernels, for TestGGMLGolden. See README.md for how to build and run it.
//
// It loads libggml-base.so and a libggml-cpu-*.so with dlopen and calls, on
// pseudo-random inputs (a fixed xorshift seed):
//   ggml_fp32_to_fp16, ggml_cpu_fp32_to_bf16   conversions
//   dequantize_row_<t>                          weight dequantization
//   quantize_row_q8_0_ref, _q8_1_ref, _q8_K_ref activation quantization
//   ggml_vec_dot_<t>_<vdt>_generic              the scalar dot products
//   ggml_vec_dot_f32, _f16, _bf16               (scalar in the x64 build)
//
// File layout (little-endian):
//   "SOVRAGG1"
//   u32 nconv; f32 x[nconv]; u16 f16[nconv]; u16 bf16[nconv]
//   u32 ncases; per case:
//     u32 type, n, wbytes, abytes
//     u8 w[wbytes]; f32 x[n]; f32 deq[n] (zeros for F32/F16/BF16)
//     u8 act[abytes] (x quantized to the vec-dot type); f32 dot
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*vec_dot_fn)(int n, float *s, size_t bs, const void *x, size_t bx, const void *y, size_t by, int nrc);
typedef void (*to_float_fn)(const void *x, float *y, int64_t k);
typedef void (*from_float_fn)(const float *x, void *y, int64_t k);
typedef void (*conv_fn)(const float *x, void *y, int64_t n);

static uint64_t state = 88172645463325252ull;

static uint64_t next(void) {
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static double uniform(void) { return (next() >> 11) * 0x1p-53; }

static double normal(void) {
	double u = uniform() + 1e-300, v = uniform();
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void *must(void *lib, const char *name) {
	void *p = dlsym(lib, name);
	if (!p) {
		fprintf(stderr, "missing symbol %s\n", name);
		exit(1);
	}
	return p;
}

struct weight {
	int type;           // ggml type id
	int block, bytes;   // elements and bytes per block
	int act;            // vec-dot type id
	const char *dequant; // NULL for the float types
	const char *dot;
	int scale_offsets[2], nscales; // f16 scale fields in a block
};

static const struct weight weights[] = {
	{0, 1, 4, 0, NULL, "ggml_vec_dot_f32", {0}, 0},
	{1, 1, 2, 1, NULL, "ggml_vec_dot_f16", {0}, 0},
	{30, 1, 2, 30, NULL, "ggml_vec_dot_bf16", {0}, 0},
	{2, 32, 18, 8, "dequantize_row_q4_0", "ggml_vec_dot_q4_0_q8_0_generic", {0}, 1},
	{3, 32, 20, 9, "dequantize_row_q4_1", "ggml_vec_dot_q4_1_q8_1_generic", {0, 2}, 2},
	{6, 32, 22, 8, "dequantize_row_q5_0", "ggml_vec_dot_q5_0_q8_0_generic", {0}, 1},
	{7, 32, 24, 9, "dequantize_row_q5_1", "ggml_vec_dot_q5_1_q8_1_generic", {0, 2}, 2},
	{8, 32, 34, 8, "dequantize_row_q8_0", "ggml_vec_dot_q8_0_q8_0_generic", {0}, 1},
	{10, 256, 84, 15, "dequantize_row_q2_K", "ggml_vec_dot_q2_K_q8_K_generic", {80, 82}, 2},
	{11, 256, 110, 15, "dequantize_row_q3_K", "ggml_vec_dot_q3_K_q8_K_generic", {108}, 1},
	{12, 256, 144, 15, "dequantize_row_q4_K", "ggml_vec_dot_q4_K_q8_K_generic", {0, 2}, 2},
	{13, 256, 176, 15, "dequantize_row_q5_K", "ggml_vec_dot_q5_K_q8_K_generic", {0, 2}, 2},
	{14, 256, 210, 15, "dequantize_row_q6_K", "ggml_vec_dot_q6_K_q8_K_generic", {208}, 1},
};

static int row_bytes(int type, int n) {
	switch (type) {
	case 0: return 4 * n;
	case 1: case 30: return 2 * n;
	case 8: return n / 32 * 34;
	case 9: return n / 32 * 36;
	case 15: return n / 256 * 292;
	}
	abort();
}

static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }

int main(int argc, char **argv) {
	if (argc != 4) {
		fprintf(stderr, "usage: gen libggml-base.so libggml-cpu-x64.so golden.bin\n");
		return 2;
	}
	void *base = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
	void *cpu = base ? dlopen(argv[2], RTLD_NOW | RTLD_LOCAL) : NULL;
	if (!cpu) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	((void (*)(void))must(cpu, "ggml_cpu_init"))();
	uint16_t (*to_f16)(float) = must(base, "ggml_fp32_to_fp16");
	conv_fn to_bf16 = must(cpu, "ggml_cpu_fp32_to_bf16");
	FILE *out = fopen(argv[3], "wb");
	fwrite("SOVRAGG1", 1, 8, out);

	// Conversions: random bit patterns (NaNs excluded: ggml's scalar f16
	// conversion returns one canonical NaN) and random normal values.
	enum { NCONV = 4096 };
	static float cx[NCONV];
	static uint16_t ch[NCONV], cb[NCONV];
	for (int i = 0; i < NCONV; i++) {
		do {
			if (i % 2 == 0) {
				uint32_t u = (uint32_t)next();
				memcpy(&cx[i], &u, 4);
			} else {
				cx[i] = (float)(normal() * ldexp(1, (int)(next() % 50) - 30));
			}
		} while (isnan(cx[i]));
		ch[i] = to_f16(cx[i]);
	}
	to_bf16(cx, cb, NCONV);
	put32(out, NCONV);
	fwrite(cx, 4, NCONV, out);
	fwrite(ch, 2, NCONV, out);
	fwrite(cb, 2, NCONV, out);

	const int nweights = sizeof weights / sizeof weights[0];
	const int nblocks[] = {1, 2};
	const int trials = 2;
	put32(out, nweights * 2 * trials);
	for (int wi = 0; wi < nweights; wi++) {
		const struct weight *W = &weights[wi];
		int block = W->act == 15 ? 256 : 32;
		if (W->block > block) block = W->block;
		for (int bi = 0; bi < 2; bi++) {
			for (int trial = 0; trial < trials; trial++) {
				int n = nblocks[bi] * block;
				int wbytes = n / W->block * W->bytes, abytes = row_bytes(W->act, n);
				uint8_t *w = malloc(wbytes), *act = calloc(abytes, 1);
				float *x = malloc(4 * n), *deq = calloc(n, 4);

				// Activations: a magnitude per 32 elements; some groups of
				// exact halves (rounding ties) and some of zeros.
				for (int i = 0; i < n; i += 32) {
					double scale = ldexp(1, (int)(next() % 16) - 8);
					int kind = next() % 8;
					for (int j = i; j < i + 32; j++) {
						double v = normal() * scale;
						if (kind == 0) v = ((int)(next() % 255) - 127) / 2.0;
						if (kind == 1) v = 0;
						x[j] = (float)v;
					}
				}
				// Weights: random floats, or random bytes with sane f16 scales.
				if (W->block == 1) {
					for (int i = 0; i < n; i++) {
						float v = (float)(normal() * ldexp(1, (int)(next() % 10) - 5));
						if (W->type == 0) memcpy(w + 4 * i, &v, 4);
						else if (W->type == 1) { uint16_t h = to_f16(v); memcpy(w + 2 * i, &h, 2); }
						else to_bf16(&v, w + 2 * i, 1);
					}
				} else {
					for (int i = 0; i < wbytes; i++) w[i] = (uint8_t)next();
					for (int b = 0; b < n / W->block; b++) {
						double scale = ldexp(1, (int)(next() % 12) - 8);
						for (int k = 0; k < W->nscales; k++) {
							uint16_t h = to_f16((float)(normal() * scale));
							memcpy(w + b * W->bytes + W->scale_offsets[k], &h, 2);
						}
					}
					((to_float_fn)must(base, W->dequant))(w, deq, n);
				}
				switch (W->act) {
				case 0: memcpy(act, x, 4 * n); break;
				case 1: for (int i = 0; i < n; i++) { uint16_t h = to_f16(x[i]); memcpy(act + 2 * i, &h, 2); } break;
				case 30: to_bf16(x, act, n); break;
				case 8: ((from_float_fn)must(base, "quantize_row_q8_0_ref"))(x, act, n); break;
				case 9: ((from_float_fn)must(base, "quantize_row_q8_1_ref"))(x, act, n); break;
				case 15: ((from_float_fn)must(base, "quantize_row_q8_K_ref"))(x, act, n); break;
				}
				float dot = 0;
				((vec_dot_fn)must(cpu, W->dot))(n, &dot, 0, w, 0, act, 0, 1);

				put32(out, W->type);
				put32(out, n);
				put32(out, wbytes);
				put32(out, abytes);
				fwrite(w, 1, wbytes, out);
				fwrite(x, 4, n, out);
				fwrite(deq, 4, n, out);
				fwrite(act, 1, abytes, out);
				fwrite(&dot, 4, 1, out);
				free(w);
				free(act);
				free(x);
				free(deq);
			}
		}
	}
	fclose(out);
	return 0;
}
