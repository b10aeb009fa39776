//go:build !purego

package quant

import (
	"encoding/binary"
	"math"

	"sovra/kernels/internal/race"
)

// The F16 tile kernels of DotRows (AVX-512, or AVX2 with FMA and F16C).
//
// A kernel call multiplies a tile of weight rows (4 with AVX-512, 2 with
// AVX2) with a block of up to 6 (AVX2: 3) activation rows, keeping one
// float32 accumulator per pair of rows in registers: each 16 weight
// elements are converted from F16 once and multiplied with every
// activation row of the block, which is what makes a prompt faster than
// one VecDot per pair (that converts every weight row once per activation
// row).
//
// Order of operations. For weight row i and activation row r, with
// m = n rounded down to a multiple of 16:
//
//	l[j] = Σ fma(w[k], a[k]), k = j, j+16, …, < m, in order, from +0   (j < 16)
//	b[j] = l[j] + l[j+8]; c[j] = b[j] + b[j+4]; d[j] = c[j] + c[j+2]
//	s    = d[0] + d[1]                                    (FHSUM512)
//	t    = Σ float32(w[k]·a[k]), k = m..n-1, in order, in float32
//	out  = s, or s + t if m < n
//
// The products of two halves are exact in float32, so every FMA rounds
// once, as an addition. Every pair gets exactly these operations wherever
// it sits in a tile or a block (missing weight rows of a tile repeat the
// last one and are not stored; a block of fewer activation rows runs a
// kernel with fewer accumulators; the kernels of one activation row take
// the weight rows one after the other, see dot_rows_f16_amd64.s), so a
// result depends only on its two rows, and AVX2 (two 8-lane halves per
// accumulator, added first) gives the same bits as AVX-512. The
// definition sums the products in float64; these sums are in float32,
// with at most n/16 + 15 roundings on the way of each product, within
// VecDot's bound of (2·n/32 + 16)·2⁻²⁴·M.

// f16TileA bounds the activation rows of a kernel call (AVX-512; AVX2
// takes half), and f16Res the results of one call (also of the BF16 and
// F32 kernels, see dot_rows_bf16_amd64.go).
const (
	f16TileA = 6
	f16Res   = 24
)

// dotRowsFloat is DotRows for F16, BF16 or F32 weights (and activations,
// of the same type) with the tile kernels of t. It reports false, having
// done nothing, if the CPU has neither AVX-512 nor AVX2.
func dotRowsFloat(t Type, n int, out []float32, outStride int, w []byte, wRows int, a []byte, aRows int) bool {
	tileW, tileA := 4, f16TileA
	switch {
	case useAVX512:
	case useAVX2:
		tileW, tileA = 2, f16TileA/2
	default:
		return false
	}
	m := n &^ 15
	rb := 2 * n
	if t == F32 {
		rb = 4 * n
	}
	race.ReadSlice(w)
	race.ReadSlice(a)
	var res [f16Res]float32
	// Weight tiles outside: a tile stays in cache while every block of
	// activation rows goes by.
	for i0 := 0; i0 < wRows; i0 += tileW {
		nw := min(tileW, wRows-i0)
		wt := w[i0*rb : (i0+nw)*rb]
		for r0 := 0; r0 < aRows; r0 += tileA {
			na := min(tileA, aRows-r0)
			at := a[r0*rb : (r0+na)*rb]
			floatTile(t, na, wt, nw, at, m, rb, &res)
			for r := range na {
				o := out[(r0+r)*outStride+i0 : (r0+r)*outStride+i0+nw]
				for i := range o {
					s := res[r*tileW+i]
					if m < n {
						s += floatTail(t, m, n, wt[i*rb:(i+1)*rb], at[r*rb:(r+1)*rb])
					}
					o[i] = s
				}
			}
		}
	}
	return true
}

// floatTile runs the kernel of t for na activation rows (AVX-512, or else
// AVX2). It calls them directly, not through a table, so that res stays
// on the stack.
func floatTile(t Type, na int, w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32) {
	switch t {
	case BF16:
		bf16Tile(na, w, wRows, a, m, stride, res)
		return
	case F32:
		f32Tile(na, w, wRows, a, m, stride, res)
		return
	}
	if !useAVX512 {
		switch na {
		case 1:
			dotRowsF16x1AVX2(w, wRows, a, m, stride, res)
		case 2:
			dotRowsF16x2AVX2(w, wRows, a, m, stride, res)
		default:
			dotRowsF16x3AVX2(w, wRows, a, m, stride, res)
		}
		return
	}
	switch na {
	case 1:
		dotRowsF16x1AVX512(w, wRows, a, m, stride, res)
	case 2:
		dotRowsF16x2AVX512(w, wRows, a, m, stride, res)
	case 3:
		dotRowsF16x3AVX512(w, wRows, a, m, stride, res)
	case 4:
		dotRowsF16x4AVX512(w, wRows, a, m, stride, res)
	case 5:
		dotRowsF16x5AVX512(w, wRows, a, m, stride, res)
	default:
		dotRowsF16x6AVX512(w, wRows, a, m, stride, res)
	}
}

// floatTail is the float32 sum, in order, of the float32 products of
// elements m..n-1 of the rows w and a of type t (F16, BF16 or F32).
func floatTail(t Type, m, n int, w, a []byte) float32 {
	var s float32
	for k := m; k < n; k++ {
		var x, y float32
		switch t {
		case F16:
			x, y = F16ToF32(binary.LittleEndian.Uint16(w[2*k:])), F16ToF32(binary.LittleEndian.Uint16(a[2*k:]))
		case BF16:
			x, y = BF16ToF32(binary.LittleEndian.Uint16(w[2*k:])), BF16ToF32(binary.LittleEndian.Uint16(a[2*k:]))
		default:
			x, y = math.Float32frombits(binary.LittleEndian.Uint32(w[4*k:])), math.Float32frombits(binary.LittleEndian.Uint32(a[4*k:]))
		}
		s += float32(x * y)
	}
	return s
}

// The kernels: dotRowsF16x<A><ISA> multiplies the first m elements (a
// multiple of 16) of each of the wRows (1..4; AVX2: 1..2) weight rows at w
// with each of the A activation rows at a, rows stride bytes apart, and
// stores the sum s of weight row i, activation row r (see above) in
// res[r*4+i] (AVX2: res[r*2+i]). It reads nothing outside the rows.

//go:noescape
func dotRowsF16x1AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF16x2AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF16x3AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF16x4AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF16x5AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF16x6AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF16x1AVX2(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF16x2AVX2(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF16x3AVX2(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)
