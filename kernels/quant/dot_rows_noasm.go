//go:build purego || !amd64

package quant

// dotRows is DotRows after the checks. Without assembly kernels it is the
// definition, one VecDot per pair of rows.
func dotRows(t Type, n int, out []float32, outStride int, w []byte, wRows int, a []byte, aRows int) {
	dotRowsGeneric(t, n, out, outStride, w, wRows, a, aRows)
}
