package quant

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Quantize encodes src into dst as type t. len(src) must be a multiple of
// t.BlockSize() and len(dst) must equal t.RowBytes(len(src)); otherwise
// Quantize returns an error and leaves dst untouched. It does not allocate.
//
// It supports the activation types F32, F16, BF16, Q8_0, Q8_1 and Q8_K, the
// simple weight formats Q4_0, Q4_1, Q5_0 and Q5_1, and the K-quant weight
// formats Q4_K, Q5_K and Q6_K (for tests and synthetic models; see
// quantize_k.go). For other types the error wraps ErrUnsupported.
//
// Each quantizer except the K-quant ones reproduces ggml's reference
// quantizer (quantize_row_*_ref) bit for bit:
//
//   - Q8_0: per 32 elements, d = amax/127 (amax the largest |x|), stored as
//     f16; q = round(x·(1/d)), halfway cases away from zero; d = 0 gives
//     all-zero quants.
//   - Q8_1: as Q8_0, and s = f16(d·Σq).
//   - Q8_K: per 256 elements, m is the element of largest magnitude (the
//     first one on ties); q = min(127, roundEven(x·(-127/m))) and
//     d = 1/(-127/m) as float32, so m itself becomes -127; bsums[j] sums
//     q[16j:16j+16]. An all-zero block gets d = 0 and zero quants and sums.
//   - Q4_0: d = m/-8 with m as for Q8_K but per 32 elements, stored as f16;
//     q = min(15, trunc(x·(1/d) + 8.5)).
//   - Q4_1: d = (max-min)/15 and m = min, both f16;
//     q = min(15, trunc((x-min)·(1/d) + 0.5)).
//   - Q5_0, Q5_1: as Q4_0 and Q4_1 with 5 bits (d = m/-16, d = (max-min)/31).
//
// llama.cpp's x86 builds with AVX or better quantize Q8_0 and Q8_1
// activations with SIMD code instead: it multiplies by 127/amax rather than
// by 1/(amax/127) and rounds halfway cases to even. On random data about one
// block in 14,000 then differs from the reference, by ±1 in one quant. Q8_K
// uses the reference on x86.
//
// F16 and BF16 round to nearest even (see F32ToF16 and F32ToBF16).
//
// Where the CPU allows, F16, Q8_0, Q8_1 and Q8_K run SIMD kernels instead
// (quantize_amd64.go; SOVRA_CPU=generic turns them off). They give exactly
// the same bytes as the definitions above.
func Quantize(t Type, src []float32, dst []byte) error {
	f := quantizers(t)
	if f == nil {
		return fmt.Errorf("%w: cannot quantize to %v", ErrUnsupported, t)
	}
	if err := checkRow("quantize", t, len(src), len(dst)); err != nil {
		return err
	}
	if quantizeSIMD(t, src, dst) { // quantize_amd64.go
		return nil
	}
	f(src, dst)
	return nil
}

// quantizers returns the encoder of t, or nil. Each encoder assumes that
// len(src) and len(dst) have been checked.
func quantizers(t Type) func(src []float32, dst []byte) {
	switch t {
	case F32:
		return quantF32
	case F16:
		return quantF16
	case BF16:
		return quantBF16
	case Q4_0:
		return quantQ4_0
	case Q4_1:
		return quantQ4_1
	case Q5_0:
		return quantQ5_0
	case Q5_1:
		return quantQ5_1
	case Q8_0:
		return quantQ8_0
	case Q8_1:
		return quantQ8_1
	case Q8_K:
		return quantQ8_K
	case Q4_K:
		return quantQ4_K
	case Q5_K:
		return quantQ5_K
	case Q6_K:
		return quantQ6_K
	}
	return nil
}

func quantF32(src []float32, dst []byte) {
	for i, x := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(x))
	}
}

func quantF16(src []float32, dst []byte) {
	for i, x := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToF16(x))
	}
}

func quantBF16(src []float32, dst []byte) {
	for i, x := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToBF16(x))
	}
}

// absMax returns the largest |x| of xs, updating the running maximum the
// way ggml's MAX(amax, |x|) macro does (so NaNs behave as in ggml too).
func absMax(xs []float32) float32 {
	var amax float32
	for _, x := range xs {
		if ax := abs32(x); !(amax > ax) {
			amax = ax
		}
	}
	return amax
}

// signedMax returns the first element of xs with the largest magnitude
// (with its sign), or 0 if all are zero.
func signedMax(xs []float32) float32 {
	var amax, m float32
	for _, x := range xs {
		if ax := abs32(x); ax > amax {
			amax, m = ax, x
		}
	}
	return m
}

func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}

// roundAway rounds to the nearest integer, halfway cases away from zero,
// like C's roundf.
func roundAway(x float32) int32 {
	return int32(math.Round(float64(x)))
}

// roundEven rounds to the nearest integer, halfway cases to even. It equals
// ggml's nearest_int (the add-1.5·2^23 trick) for |x| < 2^22.
func roundEven(x float32) int32 {
	return int32(math.RoundToEven(float64(x)))
}

// inverse returns 1/d, or 0 for d == 0.
func inverse(d float32) float32 {
	if d == 0 {
		return 0
	}
	return 1 / d
}

func quantQ8_0(src []float32, dst []byte) {
	for i := 0; i < len(src)/QK; i++ {
		x := src[i*QK : (i+1)*QK]
		b := dst[i*q8_0Bytes : (i+1)*q8_0Bytes]
		d := absMax(x) / 127
		id := inverse(d)
		binary.LittleEndian.PutUint16(b, F32ToF16(d))
		for j, v := range x {
			b[2+j] = byte(int8(roundAway(v * id)))
		}
	}
}

func quantQ8_1(src []float32, dst []byte) {
	for i := 0; i < len(src)/QK; i++ {
		x := src[i*QK : (i+1)*QK]
		b := dst[i*q8_1Bytes : (i+1)*q8_1Bytes]
		d := absMax(x) / 127
		id := inverse(d)
		var sum int32
		for j, v := range x {
			q := roundAway(v * id)
			b[4+j] = byte(int8(q))
			sum += q
		}
		binary.LittleEndian.PutUint16(b[0:], F32ToF16(d))
		binary.LittleEndian.PutUint16(b[2:], F32ToF16(float32(sum)*d))
	}
}

func quantQ8_K(src []float32, dst []byte) {
	for i := 0; i < len(src)/QKK; i++ {
		x := src[i*QKK : (i+1)*QKK]
		b := dst[i*q8_KBytes : (i+1)*q8_KBytes]
		qs, bsums := b[4:4+QKK], b[4+QKK:]
		m := signedMax(x)
		if m == 0 {
			clear(b)
			continue
		}
		iscale := -127 / m
		for j, v := range x {
			qs[j] = byte(int8(min(127, roundEven(iscale*v))))
		}
		for j := 0; j < QKK/16; j++ {
			var sum int16
			for _, q := range qs[16*j : 16*j+16] {
				sum += int16(int8(q))
			}
			binary.LittleEndian.PutUint16(bsums[2*j:], uint16(sum))
		}
		binary.LittleEndian.PutUint32(b, math.Float32bits(1/iscale))
	}
}

// truncClamp converts x toward zero, as a C cast does, and clamps the result
// to 0..hi. The clamp at 0 never binds for finite inputs of the reference
// quantizers; it only keeps NaN and Inf inputs in range.
func truncClamp(x float32, hi int32) uint8 {
	if !(x >= 0) { // also NaN
		return 0
	}
	if x >= float32(hi) {
		return uint8(hi)
	}
	return uint8(int32(x))
}

func quantQ4_0(src []float32, dst []byte) {
	for i := 0; i < len(src)/QK; i++ {
		x := src[i*QK : (i+1)*QK]
		b := dst[i*q4_0Bytes : (i+1)*q4_0Bytes]
		d := signedMax(x) / -8
		id := inverse(d)
		binary.LittleEndian.PutUint16(b, F32ToF16(d))
		for j := 0; j < QK/2; j++ {
			lo := truncClamp(float32(x[j]*id)+8.5, 15)
			hi := truncClamp(float32(x[j+QK/2]*id)+8.5, 15)
			b[2+j] = lo | hi<<4
		}
	}
}

func quantQ5_0(src []float32, dst []byte) {
	for i := 0; i < len(src)/QK; i++ {
		x := src[i*QK : (i+1)*QK]
		b := dst[i*q5_0Bytes : (i+1)*q5_0Bytes]
		d := signedMax(x) / -16
		id := inverse(d)
		var qh uint32
		for j := 0; j < QK/2; j++ {
			lo := truncClamp(float32(x[j]*id)+16.5, 31)
			hi := truncClamp(float32(x[j+QK/2]*id)+16.5, 31)
			b[6+j] = lo&0x0f | (hi&0x0f)<<4
			qh |= uint32(lo>>4) << j
			qh |= uint32(hi>>4) << (j + QK/2)
		}
		binary.LittleEndian.PutUint16(b, F32ToF16(d))
		binary.LittleEndian.PutUint32(b[2:], qh)
	}
}

// minMax returns the smallest and largest element of xs.
func minMax(xs []float32) (lo, hi float32) {
	lo, hi = math.MaxFloat32, -math.MaxFloat32
	for _, x := range xs {
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	return lo, hi
}

func quantQ4_1(src []float32, dst []byte) {
	for i := 0; i < len(src)/QK; i++ {
		x := src[i*QK : (i+1)*QK]
		b := dst[i*q4_1Bytes : (i+1)*q4_1Bytes]
		lo, hi := minMax(x)
		d := (hi - lo) / 15
		id := inverse(d)
		binary.LittleEndian.PutUint16(b[0:], F32ToF16(d))
		binary.LittleEndian.PutUint16(b[2:], F32ToF16(lo))
		for j := 0; j < QK/2; j++ {
			q0 := truncClamp(float32((x[j]-lo)*id)+0.5, 15)
			q1 := truncClamp(float32((x[j+QK/2]-lo)*id)+0.5, 15)
			b[4+j] = q0 | q1<<4
		}
	}
}

func quantQ5_1(src []float32, dst []byte) {
	for i := 0; i < len(src)/QK; i++ {
		x := src[i*QK : (i+1)*QK]
		b := dst[i*q5_1Bytes : (i+1)*q5_1Bytes]
		lo, hi := minMax(x)
		d := (hi - lo) / 31
		id := inverse(d)
		var qh uint32
		for j := 0; j < QK/2; j++ {
			q0 := truncClamp(float32((x[j]-lo)*id)+0.5, 31)
			q1 := truncClamp(float32((x[j+QK/2]-lo)*id)+0.5, 31)
			b[8+j] = q0&0x0f | (q1&0x0f)<<4
			qh |= uint32(q0>>4) << j
			qh |= uint32(q1>>4) << (j + QK/2)
		}
		binary.LittleEndian.PutUint16(b[0:], F32ToF16(d))
		binary.LittleEndian.PutUint16(b[2:], F32ToF16(lo))
		binary.LittleEndian.PutUint32(b[4:], qh)
	}
}
