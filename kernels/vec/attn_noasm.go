//go:build purego || !amd64

package vec

// Without assembly kernels the attention and F16 kernels are their pure-Go
// definitions.

func scoresF16(s, q []float32, k []uint16, nq, n, d, ks int) {
	scoresF16Generic(s, q, k, nq, n, d, ks)
}

func mixF16(out, p []float32, v []uint16, nq, n, d, vs int) {
	mixF16Generic(out, p, v, nq, n, d, vs)
}

func f16ToF32(dst []float32, src []uint16) { f16ToF32Generic(dst, src) }
func f32ToF16(dst []uint16, src []float32) { f32ToF16Generic(dst, src) }
func roundF16(x []float32)                 { roundF16Generic(x) }
