package quant

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrUnsupported is wrapped by the errors of Dequantize and Quantize for a
// type they do not handle.
var ErrUnsupported = errors.New("quant: unsupported type")

// Dequantize decodes len(dst) elements of type t from src into dst.
// len(dst) must be a multiple of t.BlockSize() and len(src) must equal
// t.RowBytes(len(dst)); otherwise Dequantize returns an error and leaves dst
// untouched. It supports F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1,
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and Q8_K; for other types the error wraps
// ErrUnsupported. It does not allocate.
//
// The arithmetic is that of ggml's dequantize_row_* functions, in float32
// with the same order of operations, so the values are bit-identical to
// theirs.
func Dequantize(t Type, src []byte, dst []float32) error {
	f := dequantizers(t)
	if f == nil {
		return fmt.Errorf("%w: cannot dequantize %v", ErrUnsupported, t)
	}
	if err := checkRow("dequantize", t, len(dst), len(src)); err != nil {
		return err
	}
	f(src, dst)
	return nil
}

// checkRow returns an error unless n elements of t take exactly nbytes
// bytes. op names the operation in the message.
func checkRow(op string, t Type, n, nbytes int) error {
	want, err := t.RowBytes(n)
	if err != nil {
		return err
	}
	if nbytes != want {
		return fmt.Errorf("quant: %s: %d elements of %v take %d bytes, got %d", op, n, t, want, nbytes)
	}
	return nil
}

// dequantizers returns the decoder of t, or nil. Each decoder assumes that
// len(src) and len(dst) have been checked.
func dequantizers(t Type) func(src []byte, dst []float32) {
	switch t {
	case F32:
		return dequantF32
	case F16:
		return dequantF16
	case BF16:
		return dequantBF16
	case Q4_0:
		return dequantQ4_0
	case Q4_1:
		return dequantQ4_1
	case Q5_0:
		return dequantQ5_0
	case Q5_1:
		return dequantQ5_1
	case Q8_0:
		return dequantQ8_0
	case Q8_1:
		return dequantQ8_1
	case Q2_K:
		return dequantQ2_K
	case Q3_K:
		return dequantQ3_K
	case Q4_K:
		return dequantQ4_K
	case Q5_K:
		return dequantQ5_K
	case Q6_K:
		return dequantQ6_K
	case Q8_K:
		return dequantQ8_K
	}
	return nil
}

func dequantF32(src []byte, dst []float32) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

func dequantF16(src []byte, dst []float32) {
	for i := range dst {
		dst[i] = F16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

func dequantBF16(src []byte, dst []float32) {
	for i := range dst {
		dst[i] = BF16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

// In the decoders below, explicit float32(...) conversions around every
// product that is later added keep the compiler from fusing the multiply and
// the add into one FMA (which the Go spec allows, even across statements),
// so every architecture rounds like ggml's scalar code compiled without
// contraction.

func dequantQ4_0(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK; i++ {
		b := src[i*q4_0Bytes : (i+1)*q4_0Bytes]
		y := dst[i*QK : (i+1)*QK]
		d := f16At(b, 0)
		qs := b[2:]
		for j := 0; j < QK/2; j++ {
			y[j] = float32(int32(qs[j]&0x0f)-8) * d
			y[j+QK/2] = float32(int32(qs[j]>>4)-8) * d
		}
	}
}

func dequantQ4_1(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK; i++ {
		b := src[i*q4_1Bytes : (i+1)*q4_1Bytes]
		y := dst[i*QK : (i+1)*QK]
		d, m := f16At(b, 0), f16At(b, 2)
		qs := b[4:]
		for j := 0; j < QK/2; j++ {
			y[j] = float32(float32(qs[j]&0x0f)*d) + m
			y[j+QK/2] = float32(float32(qs[j]>>4)*d) + m
		}
	}
}

func dequantQ5_0(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK; i++ {
		b := src[i*q5_0Bytes : (i+1)*q5_0Bytes]
		y := dst[i*QK : (i+1)*QK]
		d := f16At(b, 0)
		qh := binary.LittleEndian.Uint32(b[2:])
		qs := b[6:]
		for j := 0; j < QK/2; j++ {
			lo := int32(qs[j]&0x0f) | int32(qh>>j&1)<<4
			hi := int32(qs[j]>>4) | int32(qh>>(j+QK/2)&1)<<4
			y[j] = float32(lo-16) * d
			y[j+QK/2] = float32(hi-16) * d
		}
	}
}

func dequantQ5_1(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK; i++ {
		b := src[i*q5_1Bytes : (i+1)*q5_1Bytes]
		y := dst[i*QK : (i+1)*QK]
		d, m := f16At(b, 0), f16At(b, 2)
		qh := binary.LittleEndian.Uint32(b[4:])
		qs := b[8:]
		for j := 0; j < QK/2; j++ {
			lo := int32(qs[j]&0x0f) | int32(qh>>j&1)<<4
			hi := int32(qs[j]>>4) | int32(qh>>(j+QK/2)&1)<<4
			y[j] = float32(float32(lo)*d) + m
			y[j+QK/2] = float32(float32(hi)*d) + m
		}
	}
}

func dequantQ8_0(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK; i++ {
		b := src[i*q8_0Bytes : (i+1)*q8_0Bytes]
		y := dst[i*QK : (i+1)*QK]
		d := f16At(b, 0)
		for j, q := range b[2:] {
			y[j] = float32(int8(q)) * d
		}
	}
}

func dequantQ8_1(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK; i++ {
		b := src[i*q8_1Bytes : (i+1)*q8_1Bytes]
		y := dst[i*QK : (i+1)*QK]
		d := f16At(b, 0) // the sum s at b[2:4] is not needed here
		for j, q := range b[4:] {
			y[j] = float32(int8(q)) * d
		}
	}
}

func dequantQ2_K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QKK; i++ {
		b := src[i*q2_KBytes : (i+1)*q2_KBytes]
		y := dst[i*QKK : (i+1)*QKK]
		scales, qs := b[0:16], b[16:80]
		d, dmin := f16At(b, 80), f16At(b, 82)
		// Two chunks of 128 elements, each with 32 quant bytes. In a chunk,
		// bits 2k..2k+1 of byte l hold element 32k+l; sub-block s = e/16
		// uses scales[s].
		for c := 0; c < 2; c++ {
			q := qs[32*c : 32*c+32]
			for k := 0; k < 4; k++ {
				for l := 0; l < 32; l++ {
					e := 128*c + 32*k + l
					sc := scales[e/16]
					dl := d * float32(sc&0x0f)
					ml := float32(dmin * float32(sc>>4))
					y[e] = float32(dl*float32(q[l]>>(2*k)&3)) - ml
				}
			}
		}
	}
}

func dequantQ3_K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QKK; i++ {
		b := src[i*q3_KBytes : (i+1)*q3_KBytes]
		y := dst[i*QKK : (i+1)*QKK]
		hmask, qs := b[0:32], b[32:96]
		d := f16At(b, 108)
		var scales [16]int32
		for s := range scales {
			scales[s] = q3KScale(s, b[96:108])
		}
		// Like Q2_K for the two low bits; the high bit of element
		// 128c+32k+l is bit 4c+k of hmask[l].
		for c := 0; c < 2; c++ {
			q := qs[32*c : 32*c+32]
			for k := 0; k < 4; k++ {
				for l := 0; l < 32; l++ {
					e := 128*c + 32*k + l
					v := int32(q[l]>>(2*k)) & 3
					if hmask[l]>>(4*c+k)&1 == 0 {
						v -= 4
					}
					dl := d * float32(scales[e/16])
					y[e] = dl * float32(v)
				}
			}
		}
	}
}

func dequantQ4_K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QKK; i++ {
		b := src[i*q4_KBytes : (i+1)*q4_KBytes]
		y := dst[i*QKK : (i+1)*QKK]
		d, dmin := f16At(b, 0), f16At(b, 2)
		scales, qs := b[4:16], b[16:144]
		// Four chunks of 64 elements, each with 32 quant bytes: sub-block
		// 2c takes the low nibbles, sub-block 2c+1 the high nibbles.
		for c := 0; c < 4; c++ {
			q := qs[32*c : 32*c+32]
			sc0, m0 := kScaleMin(2*c, scales)
			sc1, m1 := kScaleMin(2*c+1, scales)
			d0, min0 := d*float32(sc0), float32(dmin*float32(m0))
			d1, min1 := d*float32(sc1), float32(dmin*float32(m1))
			for l := 0; l < 32; l++ {
				y[64*c+l] = float32(d0*float32(q[l]&0x0f)) - min0
				y[64*c+32+l] = float32(d1*float32(q[l]>>4)) - min1
			}
		}
	}
}

func dequantQ5_K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QKK; i++ {
		b := src[i*q5_KBytes : (i+1)*q5_KBytes]
		y := dst[i*QKK : (i+1)*QKK]
		d, dmin := f16At(b, 0), f16At(b, 2)
		scales, qh, qs := b[4:16], b[16:48], b[48:176]
		// As Q4_K; the fifth bit of the element in sub-block s at position
		// l is bit s of qh[l].
		for c := 0; c < 4; c++ {
			q := qs[32*c : 32*c+32]
			sc0, m0 := kScaleMin(2*c, scales)
			sc1, m1 := kScaleMin(2*c+1, scales)
			d0, min0 := d*float32(sc0), float32(dmin*float32(m0))
			d1, min1 := d*float32(sc1), float32(dmin*float32(m1))
			for l := 0; l < 32; l++ {
				lo := q[l]&0x0f | (qh[l]>>(2*c)&1)<<4
				hi := q[l]>>4 | (qh[l]>>(2*c+1)&1)<<4
				y[64*c+l] = float32(d0*float32(lo)) - min0
				y[64*c+32+l] = float32(d1*float32(hi)) - min1
			}
		}
	}
}

func dequantQ6_K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QKK; i++ {
		b := src[i*q6_KBytes : (i+1)*q6_KBytes]
		y := dst[i*QKK : (i+1)*QKK]
		ql, qh, scales := b[0:128], b[128:192], b[192:208]
		d := f16At(b, 208)
		// Two chunks of 128 elements, each with 64 ql bytes and 32 qh
		// bytes. Element 128c+32k+l takes its low 4 bits from ql[l] (k=0),
		// ql[l+32] (k=1), the high nibble of ql[l] (k=2) or of ql[l+32]
		// (k=3), and its high 2 bits from bits 2k..2k+1 of qh[l].
		for c := 0; c < 2; c++ {
			lb, hb := ql[64*c:64*c+64], qh[32*c:32*c+32]
			for k := 0; k < 4; k++ {
				for l := 0; l < 32; l++ {
					e := 128*c + 32*k + l
					lo := lb[l+32*(k%2)]
					if k >= 2 {
						lo >>= 4
					}
					v := int32(lo&0x0f|(hb[l]>>(2*k)&3)<<4) - 32
					y[e] = d * float32(int8(scales[e/16])) * float32(v)
				}
			}
		}
	}
}

func dequantQ8_K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QKK; i++ {
		b := src[i*q8_KBytes : (i+1)*q8_KBytes]
		y := dst[i*QKK : (i+1)*QKK]
		d := math.Float32frombits(binary.LittleEndian.Uint32(b))
		for j, q := range b[4 : 4+QKK] {
			y[j] = d * float32(int8(q))
		}
	}
}
