package vec

// dotGeneric is the definition of Dot: a sequential float32 sum, with
// len(b) == len(a).
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// axpyGeneric is the definition of Axpy, with len(x) == len(y). The explicit
// conversion keeps the compiler from fusing the multiply-add (the Go spec
// allows that on arm64 and others), so the result is the same everywhere.
func axpyGeneric(y []float32, a float32, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += float32(a * x[i])
	}
}
