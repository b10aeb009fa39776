//go:build purego || !(amd64 || arm64)

package quant

// vecDot is VecDot after the length checks. Without assembly kernels it is
// the pure-Go definition.
func vecDot(t Type, n int, w, a []byte) float32 { return vecDotGeneric(t, n, w, a) }
