package quant

import "fmt"

// DotRows computes the dot products of every one of wRows weight rows with
// every one of aRows activation rows, as a matrix multiplication does:
//
//	for r := range aRows {
//		for i := range wRows {
//			out[r*outStride+i] = VecDot(t, n, w[i*wb:(i+1)*wb], a[r*ab:(r+1)*ab])
//		}
//	}
//
// where wb = t.RowBytes(n) and ab = t.VecDotType().RowBytes(n): w holds the
// wRows weight rows one after the other, and a the aRows activation rows,
// already quantized to t.VecDotType() (see Quantize). Row r of the result
// is out[r*outStride : r*outStride+wRows]; DotRows writes nothing else in
// out. n, t, w and a are as for VecDot, which lists the weight types.
//
// The loop above (dotRowsGeneric) is the definition. Where the CPU allows,
// DotRows instead runs a kernel that takes a tile of weight rows, unpacks
// each of their blocks once and multiplies it with many activation rows,
// which is much faster once there are a few activation rows (a prompt,
// not a single decoded token). Such a kernel computes the same exact integer
// dot product of every block as VecDot and sums the scaled products within
// the same bound of the definition as VecDot does (see VecDot), but not
// necessarily in the same order as VecDot's own kernels, so the two may
// differ in the last bits. Which kernel runs depends only on t, n and the
// CPU (and SOVRA_CPU), and a kernel computes every pair of rows with the
// same operations wherever the rows are, so each result depends only on
// its two rows: a row gives the same results alone (a decoded token) as in
// a batch (a prompt). DotRows does not allocate.
//
// DotRows panics if the lengths of w, a or out do not fit n, wRows, aRows
// and outStride, or if outStride < wRows while aRows > 1 (rows of out would
// overlap): these are programming errors.
func DotRows(t Type, n int, out []float32, outStride int, w []byte, wRows int, a []byte, aRows int) {
	checkRows(t, n, out, outStride, w, wRows, a, aRows)
	if wRows == 0 || aRows == 0 {
		return
	}
	dotRows(t, n, out, outStride, w, wRows, a, aRows)
}

// checkRows panics unless the arguments of DotRows agree (see DotRows).
func checkRows(t Type, n int, out []float32, outStride int, w []byte, wRows int, a []byte, aRows int) {
	if wRows < 0 || aRows < 0 || n < 0 {
		panic(fmt.Sprintf("quant: DotRows: negative size (n %d, %d weight rows, %d activation rows)", n, wRows, aRows))
	}
	if !hasVecDot(t) {
		panic(fmt.Sprintf("quant: DotRows: no dot product for weight type %v", t))
	}
	wb, err := t.RowBytes(n)
	if err != nil {
		panic(fmt.Sprintf("quant: DotRows: %v", err))
	}
	ab, err := t.VecDotType().RowBytes(n)
	if err != nil {
		panic(fmt.Sprintf("quant: DotRows: %v", err))
	}
	if len(w) != wRows*wb || len(a) != aRows*ab {
		panic(fmt.Sprintf("quant: DotRows %v: %d and %d rows of %d elements need %d weight bytes and %d activation bytes (%v), got %d and %d",
			t, wRows, aRows, n, wRows*wb, aRows*ab, t.VecDotType(), len(w), len(a)))
	}
	if wRows == 0 || aRows == 0 {
		return
	}
	if aRows > 1 && outStride < wRows {
		panic(fmt.Sprintf("quant: DotRows: output stride %d is less than the %d weight rows", outStride, wRows))
	}
	if need := (aRows-1)*outStride + wRows; len(out) < need {
		panic(fmt.Sprintf("quant: DotRows: %d×%d results with stride %d need %d output elements, got %d",
			aRows, wRows, outStride, need, len(out)))
	}
}

// dotRowsGeneric is the definition of DotRows: one VecDot per pair of rows
// (through the dispatched single-row kernels, so with the "generic"
// implementation selected it is pure Go). The arguments have been checked.
// It is also what the SIMD dispatch falls back to for the types and the
// shapes it has no multi-row kernel for.
func dotRowsGeneric(t Type, n int, out []float32, outStride int, w []byte, wRows int, a []byte, aRows int) {
	wb := len(w) / wRows
	ab := len(a) / aRows
	for r := range aRows {
		ar := a[r*ab : (r+1)*ab]
		o := out[r*outStride : r*outStride+wRows]
		for i := range o {
			o[i] = vecDot(t, n, w[i*wb:(i+1)*wb], ar)
		}
	}
}

// hasVecDot reports whether VecDot takes t as a weight type.
func hasVecDot(t Type) bool {
	switch t {
	case F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K:
		return true
	}
	return false
}
