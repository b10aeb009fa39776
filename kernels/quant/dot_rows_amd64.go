//go:build !purego

package quant

import "sovra/kernels/internal/race"

// The amd64 multi-row kernels: with AVX-512 VNNI (the "avx512"
// implementation of kernels/internal/impl) those of DotPacked for Q4_0,
// Q8_0, Q4_K and Q6_K weights in the packed layout (packed.go), and for
// Q5_K, Q5_0, Q4_1, Q5_1, Q2_K and Q3_K (dot_packed_more_amd64.go); with
// AVX2 ("avx2") those of DotRows for Q4_0 and Q4_K in the GGUF layout. F16,
// BF16 and F32 have float tile kernels of their own, with both
// (dot_rows_f16_amd64.go, dot_rows_bf16_amd64.go).
// For the other types, and with "generic", DotRows is the loop over
// VecDot's kernels.
//
// Layout. A kernel call takes a tile of up to 16 (AVX2: 8) weight rows and
// a chunk of activation rows. For each block (or sub-block) it loads the
// tile's quants (AVX-512: already transposed by Pack; AVX2: transposing
// them), unpacks them once, so that 32-bit lane i of a vector register
// holds four consecutive quants of weight row i; a
// VPDPBUSD (AVX2: VPMADDUBSW, then VPMADDWD) with four activation bytes
// broadcast to every lane then adds the four products for all the rows at
// once. The exact int32 sum of a block for the tile's rows and one
// activation row is converted to float32, multiplied by the activation's
// block scale and then, lane by lane, by the weight rows' scales and added
// to that activation row's float32 accumulators. Per block and activation
// row that is 8 VPDPBUSD and 3 float operations for 16×32 products,
// against 16 times a single-row kernel's work. (Most K-quant kernels
// first sum the integer terms of a whole super-block, times their
// sub-block scales, exactly, and then multiply by d·yd, as their
// definitions do.) The packed layout makes a tile one stream of memory
// and spares the transposition, which matters most for a single
// activation row (decoding).
//
// The activation terms that do not depend on the weights are computed once
// per chunk (prepQ8_0AVX512, prepQ8_KAVX512): the Q8_0 block scale as
// float32, and the sums of quants for the offset corrections (the weights
// are stored with an offset, 8 for Q4_0, 32 for Q6_K and 4 for Q3_K,
// which the unsigned operand of VPDPBUSD needs; Σ (q-8)·a = Σ q·a - 8·Σ a).

// Tiling parameters of the kernels.
const (
	// rowsTile is the number of weight rows an AVX-512 kernel call takes
	// (the 16 float32 lanes of a 512-bit register; AVX2: half).
	rowsTile = 16
	// prepEntries bounds the per-chunk activation terms (per activation
	// row, one uint64 per Q8_0 block or four per Q8_K super-block), and
	// accEntries the accumulators (16 float32 per activation row, AVX2
	// 8): 64 KiB of stack in all.
	prepEntries = 6 << 10
	accEntries  = 4 << 10
)

// dotRows is DotRows after the checks: the multi-row kernel for t if there
// is one, else the loop over VecDot. The choice depends on t, n and the
// implementation only, never on the number of rows, so that a pair of rows
// gets the same result alone as in a batch (see DotRows).
func dotRows(t Type, n int, out []float32, outStride int, w []byte, wRows int, a []byte, aRows int) {
	switch {
	case t == F16 || t == BF16 || t == F32:
		if dotRowsFloat(t, n, out, outStride, w, wRows, a, aRows) {
			return
		}
	case useAVX2 && (t == Q4_0 || t == Q4_K):
		if dotRowsTiles(t, n, out, outStride, w, wRows, a, aRows) {
			return
		}
	}
	dotRowsGeneric(t, n, out, outStride, w, wRows, a, aRows)
}

// packedKernel reports whether dotPacked has a kernel for t (one of the
// packed types) and rows of n elements: with AVX-512, if the activation
// terms of a row fit the kernels' scratch space.
func packedKernel(t Type, n int) bool {
	if t == Q6_K || t == Q3_K {
		return useAVX512 && 4*(n/QKK) <= prepEntries
	}
	return useAVX512 && n/QK <= prepEntries
}

// dotPacked is DotPacked after the checks (packedKernel holds): the
// AVX-512 tile kernels.
func dotPacked(t Type, n int, out []float32, outStride int, w []byte, wRows int, a []byte, aRows int) {
	dotRowsTiles(t, n, out, outStride, w, wRows, a, aRows)
}

// dotRowsTiles runs the tile kernel of t over every tile of weight rows
// and chunk of activation rows: the AVX-512 kernels of the packed layout,
// or else the AVX2 ones of the GGUF layout. It first computes the
// activation terms of the chunk that the kernel needs (see prepQ8_0AVX512
// and prepQ8_KAVX512), then calls the kernel for each tile. It reports
// false, having done nothing, if a row is too long for its scratch space.
func dotRowsTiles(t Type, n int, out []float32, outStride int, w []byte, wRows int, a []byte, aRows int) bool {
	var nb, ab, perRow int // blocks, activation bytes and prep entries per row
	switch t {
	case Q4_0, Q5_0, Q8_0:
		nb = n / QK
		ab, perRow = q8_0Bytes*nb, nb
	case Q4_1, Q5_1:
		nb = n / QK
		ab, perRow = q8_1Bytes*nb, nb
	case Q4_K, Q5_K, Q2_K:
		nb = n / QKK
		ab = q8_KBytes * nb
	case Q6_K, Q3_K:
		nb = n / QKK
		ab, perRow = q8_KBytes*nb, 4*nb
	}
	if nb == 0 || perRow > prepEntries {
		return false
	}
	tileRows := rowsTile
	if !useAVX512 {
		tileRows = rowsTile / 2
	}
	// The accumulators of an activation row: tileRows float32, and as many
	// int32 after those of the chunk for the kernels that sum a
	// super-block's integer terms over several passes.
	accRow := tileRows
	if useAVX512 && (t == Q4_K || t == Q6_K || t == Q3_K) {
		accRow = 2 * tileRows
	}
	chunk := min(aRows, accEntries/accRow)
	if perRow > 0 {
		chunk = min(chunk, prepEntries/perRow)
	}
	// Q4_0 weights have an offset of 8, and the kernels store Q8_0 ones
	// with an offset of 128: the corrections are -(Σ a)<<3 and <<7.
	shift := 3
	switch t {
	case Q8_0:
		shift = 7
	case Q5_0: // an offset of 16
		shift = 4
	}
	var prep [prepEntries]uint64
	var acc [accEntries]float32
	wb := nb * t.BlockBytes()
	race.ReadSlice(w)
	race.ReadSlice(a)
	for r0 := 0; r0 < aRows; r0 += chunk {
		rows := min(chunk, aRows-r0)
		ac := a[r0*ab : (r0+rows)*ab]
		p := prep[:perRow*rows]
		switch {
		case perRow == 0:
		case t == Q6_K || t == Q3_K:
			prepQ8_KAVX512(ac, rows, nb, p)
		case t == Q4_1 || t == Q5_1:
			prepQ8_1AVX512(ac, rows, nb, p)
		case useAVX512:
			prepQ8_0AVX512(ac, rows, nb, shift, p)
		default:
			prepQ8_0AVX2(ac, rows, nb, shift, p)
		}
		ar := acc[:accRow*rows]
		for i0 := 0; i0 < wRows; i0 += tileRows {
			tile := min(tileRows, wRows-i0)
			o := out[r0*outStride+i0 : (r0+rows-1)*outStride+i0+tile]
			raceWriteTile(o, rows, tile, outStride)
			wt := w[i0*wb : (i0+tile)*wb]
			if useAVX512 {
				wt = w[i0*wb : (i0+tileRows)*wb] // a whole packed tile
			}
			switch {
			case !useAVX512 && t == Q4_0:
				dotRowsQ4_0AVX2(wt, tile, ac, rows, nb, p, ar, o, outStride)
			case !useAVX512:
				dotRowsQ4_KAVX2(wt, tile, ac, rows, nb, ar, o, outStride)
			case t == Q4_0:
				dotRowsQ4_0AVX512(wt, tile, ac, rows, nb, p, ar, o, outStride)
			case t == Q8_0:
				dotRowsQ8_0AVX512(wt, tile, ac, rows, nb, p, ar, o, outStride)
			case t == Q4_K:
				dotRowsQ4_KAVX512(wt, tile, ac, rows, nb, ar, o, outStride)
			case t == Q5_K: // the kernels of dot_packed_more_amd64.go
				dotRowsQ5_KAVX512(wt, tile, ac, rows, nb, ar, o, outStride)
			case t == Q5_0:
				dotRowsQ5_0AVX512(wt, tile, ac, rows, nb, p, ar, o, outStride)
			case t == Q4_1:
				dotRowsQ4_1AVX512(wt, tile, ac, rows, nb, p, ar, o, outStride)
			case t == Q5_1:
				dotRowsQ5_1AVX512(wt, tile, ac, rows, nb, p, ar, o, outStride)
			case t == Q2_K:
				dotRowsQ2_KAVX512(wt, tile, ac, rows, nb, ar, o, outStride)
			case t == Q3_K:
				dotRowsQ3_KAVX512(wt, tile, ac, rows, nb, p, ar, o, outStride)
			default:
				dotRowsQ6_KAVX512(wt, tile, ac, rows, nb, p, ar, o, outStride)
			}
		}
	}
	return true
}

// raceWriteTile tells the race detector that a kernel writes the first
// tile elements of each of the rows rows of o, stride elements apart (and
// not the elements in between, which other goroutines may be writing).
func raceWriteTile(o []float32, rows, tile, stride int) {
	if race.Enabled {
		for r := range rows {
			race.WriteSlice(o[r*stride : r*stride+tile])
		}
	}
}

// prepQ8_0AVX512 computes the activation terms of rows Q8_0 rows of nb
// blocks each, a: for block b of row r, prep[b*rows+r] holds the int32
// -(Σ q)<<shift in its low half and the float32 d in its high half, with
// the block's scale d and quants q.
//
//go:noescape
func prepQ8_0AVX512(a []byte, rows, nb, shift int, prep []uint64)

// dotRowsQ4_0AVX512 computes, for the wRows (1..16) Q4_0 weight rows in w
// and the aRows Q8_0 activation rows in a, of nb blocks each,
//
//	out[r*outStride+i] ≈ dotQ4_0Q8_0(nb·QK, w row i, a row r)
//
// (within VecDot's bound), from the activation terms prep made by
// prepQ8_0AVX512 with shift 3. acc is scratch space of 16·aRows float32.
// It writes only those elements of out.
//
//go:noescape
func dotRowsQ4_0AVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)

// dotRowsQ8_0AVX512 is dotRowsQ4_0AVX512 for Q8_0 weights (the definition
// is dotQ8_0Q8_0), with prep made with shift 7.
//
//go:noescape
func dotRowsQ8_0AVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)

// dotRowsQ4_KAVX512 computes, for the wRows (1..16) Q4_K weight rows in w
// and the aRows Q8_K activation rows in a, of nb super-blocks each,
//
//	out[r*outStride+i] ≈ dotQ4_KQ8_K(nb·QKK, w row i, a row r)
//
// (within VecDot's bound). acc is scratch space of 32·aRows float32 (16
// float32 and 16 int32 accumulators per activation row). It writes only
// those elements of out.
//
//go:noescape
func dotRowsQ4_KAVX512(w []byte, wRows int, a []byte, aRows, nb int, acc, out []float32, outStride int)

// dotRowsQ6_KAVX512 is dotRowsQ4_KAVX512 for Q6_K weights (the definition
// is dotQ6_KQ8_K), with the sums prep made by prepQ8_KAVX512.
//
//go:noescape
func dotRowsQ6_KAVX512(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)

// prepQ8_KAVX512 computes the sums of 16 quants of rows Q8_K rows of nb
// super-blocks each, a: for super-block b of row r, the 16 sums as int16
// in prep[4*(b*rows+r) : 4*(b*rows+r)+4] (the layout of the bsums field).
//
//go:noescape
func prepQ8_KAVX512(a []byte, rows, nb int, prep []uint64)

// The AVX2 tile kernels take 8 weight rows (8 float32 lanes); they are
// otherwise as the AVX-512 ones (acc holds 8·aRows float32).

// dotRowsQ4_0AVX2 is dotRowsQ4_0AVX512 with AVX2, with prep made by
// prepQ8_0AVX2, for 1..8 weight rows.
//
//go:noescape
func dotRowsQ4_0AVX2(w []byte, wRows int, a []byte, aRows, nb int, prep []uint64, acc, out []float32, outStride int)

// dotRowsQ4_KAVX2 is dotRowsQ4_KAVX512 with AVX2, for 1..8 weight rows.
//
//go:noescape
func dotRowsQ4_KAVX2(w []byte, wRows int, a []byte, aRows, nb int, acc, out []float32, outStride int)

// prepQ8_0AVX2 is prepQ8_0AVX512 with AVX2.
//
//go:noescape
func prepQ8_0AVX2(a []byte, rows, nb, shift int, prep []uint64)
