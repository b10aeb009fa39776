//go:build purego || !amd64

package vec

// Without assembly kernels (purego, or any architecture but amd64) Dot and
// Axpy are their pure-Go definitions.

func dot(a, b []float32) float32 { return dotGeneric(a, b) }

func axpy(y []float32, a float32, x []float32) { axpyGeneric(y, a, x) }
