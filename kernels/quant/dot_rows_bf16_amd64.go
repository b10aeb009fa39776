//go:build !purego

package quant

// The BF16 and F32 tile kernels of DotRows (AVX-512, or AVX2 with FMA):
// the F16 ones (dot_rows_f16_amd64.go) with other loads, run by the same
// driver, dotRowsFloat. A BF16 element is converted to float32 by a
// zero-extension and a left shift by 16 (it is the high half of its
// float32), an F32 element is loaded as it is.
//
// Order of operations. As for F16: for weight row i and activation row
// r, with m = n rounded down to a multiple of 16,
//
//	l[j] = Σ fma(w[k], a[k]), k = j, j+16, …, < m, in order, from +0   (j < 16)
//	b[j] = l[j] + l[j+8]; c[j] = b[j] + b[j+4]; d[j] = c[j] + c[j+2]
//	s    = d[0] + d[1]                                    (FHSUM512)
//	t    = Σ float32(w[k]·a[k]), k = m..n-1, in order, in float32
//	out  = s, or s + t if m < n
//
// with the same tiles and blocks of activation rows, so a result depends
// only on its two rows, and AVX2 gives the same bits as AVX-512.
//
// The definitions round each product to float32 and sum in float64. The
// product of two BF16 values is exact in float32 (8-bit significands;
// barring underflow, which the tests' n·2⁻¹⁴⁹ covers), so, as for F16,
// every FMA rounds once, as an addition: at most n/16 + 15 roundings on
// the way of each product. The FMA of two F32 values does not round their
// product as the definition does: one rounding more, n/16 + 16, still
// within VecDot's bound of (2·n/32 + 16)·2⁻²⁴·M.

// bf16Tile is floatTile for BF16.
func bf16Tile(na int, w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32) {
	if !useAVX512 {
		switch na {
		case 1:
			dotRowsBF16x1AVX2(w, wRows, a, m, stride, res)
		case 2:
			dotRowsBF16x2AVX2(w, wRows, a, m, stride, res)
		default:
			dotRowsBF16x3AVX2(w, wRows, a, m, stride, res)
		}
		return
	}
	switch na {
	case 1:
		dotRowsBF16x1AVX512(w, wRows, a, m, stride, res)
	case 2:
		dotRowsBF16x2AVX512(w, wRows, a, m, stride, res)
	case 3:
		dotRowsBF16x3AVX512(w, wRows, a, m, stride, res)
	case 4:
		dotRowsBF16x4AVX512(w, wRows, a, m, stride, res)
	case 5:
		dotRowsBF16x5AVX512(w, wRows, a, m, stride, res)
	default:
		dotRowsBF16x6AVX512(w, wRows, a, m, stride, res)
	}
}

// f32Tile is floatTile for F32.
func f32Tile(na int, w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32) {
	if !useAVX512 {
		switch na {
		case 1:
			dotRowsF32x1AVX2(w, wRows, a, m, stride, res)
		case 2:
			dotRowsF32x2AVX2(w, wRows, a, m, stride, res)
		default:
			dotRowsF32x3AVX2(w, wRows, a, m, stride, res)
		}
		return
	}
	switch na {
	case 1:
		dotRowsF32x1AVX512(w, wRows, a, m, stride, res)
	case 2:
		dotRowsF32x2AVX512(w, wRows, a, m, stride, res)
	case 3:
		dotRowsF32x3AVX512(w, wRows, a, m, stride, res)
	case 4:
		dotRowsF32x4AVX512(w, wRows, a, m, stride, res)
	case 5:
		dotRowsF32x5AVX512(w, wRows, a, m, stride, res)
	default:
		dotRowsF32x6AVX512(w, wRows, a, m, stride, res)
	}
}

// The kernels: dotRowsBF16x<A><ISA> and dotRowsF32x<A><ISA> are
// dotRowsF16x<A><ISA> (see dot_rows_f16_amd64.go) for BF16 and F32 rows.

//go:noescape
func dotRowsBF16x1AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsBF16x2AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsBF16x3AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsBF16x4AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsBF16x5AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsBF16x6AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsBF16x1AVX2(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsBF16x2AVX2(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsBF16x3AVX2(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF32x1AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF32x2AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF32x3AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF32x4AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF32x5AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF32x6AVX512(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF32x1AVX2(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF32x2AVX2(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)

//go:noescape
func dotRowsF32x3AVX2(w []byte, wRows int, a []byte, m, stride int, res *[f16Res]float32)
