//go:build purego || !amd64

package vec

// Without assembly kernels the element-wise kernels and the softmax passes
// are their pure-Go definitions.

func exp(dst, x []float32)              { expGeneric(dst, x) }
func scale(dst, x []float32, s float32) { scaleGeneric(dst, x, s) }
func silu(dst, x []float32)             { siluGeneric(dst, x) }
func swiglu(dst, gate, up []float32)    { swigluGeneric(dst, gate, up) }
func gelu(dst, x []float32)             { geluGeneric(dst, x) }

func scaleMask(x []float32, s float32, mask []float32) float32 {
	return scaleMaskGeneric(x, s, mask)
}

func expSum(x []float32, m float32) float64 { return expSumGeneric(x, m) }
