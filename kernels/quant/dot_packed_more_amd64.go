//go:build !purego

package quant

// More AVX-512 VNNI tile kernels of DotPacked (dot_packed_more_amd64.s), in
// the packed layout and with the tiling of the kernels of
// dot_rows_amd64.go, which runs them from dotRowsTiles: Q5_K, as Q4_K with
// a fifth bit per quant; Q2_K, with the 4-bit scales multiplied into the
// 2-bit quants (so one int32 sum per pass covers several sub-blocks);
// Q3_K, as Q6_K with 3-bit quants and an offset of 4; Q5_0, as Q4_0 with
// a fifth bit and an offset of 16 (prepQ8_0AVX512 with shift 4); Q4_1
// and Q5_1, whose Q8_1 activation terms yd and ys = yd·Σ a come as
// float32 from prepQ8_1AVX512. Each computes the exact int32 sum of every
// (sub-)block and then the same float32 operations, in the same order,
// for every pair of rows.

// dotRowsQ5_0AVX512 computes, for the wRows (1..16) Q5_0 weight rows in w
// and the aRows Q8_0 activation rows in a, of nb blocks each,
//
//	out[r*outStride+i] ≈ dotQ5_0Q8_0(nb·QK, w row i, a row r)
//
// (within VecDot's bound), from the activation terms prep made by
// prepQ8_0AVX512 with shift 4. acc is scratch space of 16·aRows float32.
// It writes only those elements of out.
//
//go:noescape
func dotRowsQ5_0AVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)

// dotRowsQ4_1AVX512 is dotRowsQ5_0AVX512 for Q4_1 weights and Q8_1
// activations (the definition is dotQ4_1Q8_1), with prep made by
// prepQ8_1AVX512.
//
//go:noescape
func dotRowsQ4_1AVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)

// dotRowsQ5_1AVX512 is dotRowsQ4_1AVX512 for Q5_1 weights (the definition
// is dotQ5_1Q8_1).
//
//go:noescape
func dotRowsQ5_1AVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)

// dotRowsQ5_KAVX512 computes, for the wRows (1..16) Q5_K weight rows in w
// and the aRows Q8_K activation rows in a, of nb super-blocks each,
//
//	out[r*outStride+i] ≈ dotQ5_KQ8_K(nb·QKK, w row i, a row r)
//
// (within VecDot's bound). acc is scratch space of 16·aRows float32. It
// writes only those elements of out.
//
//go:noescape
func dotRowsQ5_KAVX512(w []byte, wRows int, a []byte, aRows, nb int, acc, out []float32, outStride int)

// dotRowsQ2_KAVX512 is dotRowsQ5_KAVX512 for Q2_K weights (the definition
// is dotQ2_KQ8_K).
//
//go:noescape
func dotRowsQ2_KAVX512(w []byte, wRows int, a []byte, aRows, nb int, acc, out []float32, outStride int)

// dotRowsQ3_KAVX512 is dotRowsQ5_KAVX512 for Q3_K weights (the definition
// is dotQ3_KQ8_K), with the sums prep made by prepQ8_KAVX512, and acc
// scratch space of 32·aRows float32 (16 float32 and 16 int32
// accumulators per activation row).
//
//go:noescape
func dotRowsQ3_KAVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)

// prepQ8_1AVX512 computes the activation terms of rows Q8_1 rows of nb
// blocks each, a: for block b of row r, prep[b*rows+r] holds the block's
// d as float32 in its low half and its s (d·Σ q) in its high half.
//
//go:noescape
func prepQ8_1AVX512(a []byte, rows, nb int, prep []uint64)
