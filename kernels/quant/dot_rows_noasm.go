//go:build purego || !amd64

package quant

// dotRows is DotRows after the checks. Without assembly kernels it is the
// definition, one VecDot per pair of rows.
func dotRows(t Type, n int, out []float32, outStride int, w []byte, wRows int, a []byte, aRows int) {
	dotRowsGeneric(t, n, out, outStride, w, wRows, a, aRows)
}

// packedKernel reports whether dotPacked has a kernel for t and rows of n
// elements: not without the amd64 assembly.
func packedKernel(Type, int) bool { return false }

// dotPacked is never called without a packed kernel (DotPacked panics
// first).
func dotPacked(Type, int, []float32, int, []byte, int, []byte, int) {
	panic("quant: no packed kernel")
}
