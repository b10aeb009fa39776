//go:build purego || !amd64

package quant

// quantizeSIMD reports that there is no assembly kernel for t, so Quantize
// runs the pure-Go definition.
func quantizeSIMD(t Type, src []float32, dst []byte) bool { return false }
