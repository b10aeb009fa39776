package quant

import (
	"encoding/binary"
	"fmt"
	"math"
)

// vecDotGeneric is the pure-Go definition of VecDot, always compiled: the
// SIMD kernels are tested against it, and dispatch falls back to it for
// every type and CPU without a faster kernel. The caller has checked the
// lengths (checkDot).
func vecDotGeneric(t Type, n int, w, a []byte) float32 {
	switch t {
	case F32:
		return dotF32(n, w, a)
	case F16:
		return dotF16(n, w, a)
	case BF16:
		return dotBF16(n, w, a)
	case Q4_0:
		return dotQ4_0Q8_0(n, w, a)
	case Q4_1:
		return dotQ4_1Q8_1(n, w, a)
	case Q5_0:
		return dotQ5_0Q8_0(n, w, a)
	case Q5_1:
		return dotQ5_1Q8_1(n, w, a)
	case Q8_0:
		return dotQ8_0Q8_0(n, w, a)
	case Q2_K:
		return dotQ2_KQ8_K(n, w, a)
	case Q3_K:
		return dotQ3_KQ8_K(n, w, a)
	case Q4_K:
		return dotQ4_KQ8_K(n, w, a)
	case Q5_K:
		return dotQ5_KQ8_K(n, w, a)
	case Q6_K:
		return dotQ6_KQ8_K(n, w, a)
	}
	panic(fmt.Sprintf("quant: VecDot: no dot product for weight type %v", t))
}

// In the kernels below, explicit float32(...) conversions around every
// product that is later added keep the compiler from fusing the multiply and
// the add into one FMA (which the Go spec allows, even across statements),
// so that every architecture rounds alike.

func dotF32(n int, w, a []byte) float32 {
	var sum float64
	for i := 0; i < n; i++ {
		x := math.Float32frombits(binary.LittleEndian.Uint32(w[4*i:]))
		y := math.Float32frombits(binary.LittleEndian.Uint32(a[4*i:]))
		sum += float64(float32(x * y))
	}
	return float32(sum)
}

func dotF16(n int, w, a []byte) float32 {
	var sum float64
	for i := 0; i < n; i++ {
		x := F16ToF32(binary.LittleEndian.Uint16(w[2*i:]))
		y := F16ToF32(binary.LittleEndian.Uint16(a[2*i:]))
		sum += float64(float32(x * y))
	}
	return float32(sum)
}

func dotBF16(n int, w, a []byte) float32 {
	var sum float64
	for i := 0; i < n; i++ {
		x := BF16ToF32(binary.LittleEndian.Uint16(w[2*i:]))
		y := BF16ToF32(binary.LittleEndian.Uint16(a[2*i:]))
		sum += float64(float32(x * y))
	}
	return float32(sum)
}

// int8At returns b[i] as a signed byte, widened.
func int8At(b []byte, i int) int32 { return int32(int8(b[i])) }

func dotQ4_0Q8_0(n int, w, a []byte) float32 {
	var sum float32
	for i := 0; i < n/QK; i++ {
		x := w[i*q4_0Bytes : (i+1)*q4_0Bytes]
		y := a[i*q8_0Bytes : (i+1)*q8_0Bytes]
		xq, yq := x[2:], y[2:]
		var sumi int32
		for j := 0; j < QK/2; j++ {
			sumi += (int32(xq[j]&0x0f) - 8) * int8At(yq, j)
			sumi += (int32(xq[j]>>4) - 8) * int8At(yq, j+QK/2)
		}
		sum += float32(float32(sumi) * f16At(x, 0) * f16At(y, 0))
	}
	return sum
}

func dotQ4_1Q8_1(n int, w, a []byte) float32 {
	var sum float32
	for i := 0; i < n/QK; i++ {
		x := w[i*q4_1Bytes : (i+1)*q4_1Bytes]
		y := a[i*q8_1Bytes : (i+1)*q8_1Bytes]
		xq, yq := x[4:], y[4:]
		var sumi int32
		for j := 0; j < QK/2; j++ {
			sumi += int32(xq[j]&0x0f) * int8At(yq, j)
			sumi += int32(xq[j]>>4) * int8At(yq, j+QK/2)
		}
		// Σ (q·dx + m)·(r·dy) = dx·dy·Σ q·r + m·(dy·Σ r), and the
		// activation block stores s = dy·Σ r.
		dxdy := f16At(x, 0) * f16At(y, 0)
		ms := float32(f16At(x, 2) * f16At(y, 2))
		sum += float32(dxdy*float32(sumi)) + ms
	}
	return sum
}

func dotQ5_0Q8_0(n int, w, a []byte) float32 {
	var sum float32
	for i := 0; i < n/QK; i++ {
		x := w[i*q5_0Bytes : (i+1)*q5_0Bytes]
		y := a[i*q8_0Bytes : (i+1)*q8_0Bytes]
		qh := binary.LittleEndian.Uint32(x[2:])
		xq, yq := x[6:], y[2:]
		var sumi int32
		for j := 0; j < QK/2; j++ {
			lo := int32(xq[j]&0x0f) | int32(qh>>j&1)<<4
			hi := int32(xq[j]>>4) | int32(qh>>(j+QK/2)&1)<<4
			sumi += (lo - 16) * int8At(yq, j)
			sumi += (hi - 16) * int8At(yq, j+QK/2)
		}
		sum += float32(f16At(x, 0) * f16At(y, 0) * float32(sumi))
	}
	return sum
}

func dotQ5_1Q8_1(n int, w, a []byte) float32 {
	var sum float32
	for i := 0; i < n/QK; i++ {
		x := w[i*q5_1Bytes : (i+1)*q5_1Bytes]
		y := a[i*q8_1Bytes : (i+1)*q8_1Bytes]
		qh := binary.LittleEndian.Uint32(x[4:])
		xq, yq := x[8:], y[4:]
		var sumi int32
		for j := 0; j < QK/2; j++ {
			lo := int32(xq[j]&0x0f) | int32(qh>>j&1)<<4
			hi := int32(xq[j]>>4) | int32(qh>>(j+QK/2)&1)<<4
			sumi += lo * int8At(yq, j)
			sumi += hi * int8At(yq, j+QK/2)
		}
		dxdy := f16At(x, 0) * f16At(y, 0)
		ms := float32(f16At(x, 2) * f16At(y, 2))
		sum += float32(dxdy*float32(sumi)) + ms
	}
	return sum
}

func dotQ8_0Q8_0(n int, w, a []byte) float32 {
	var sum float32
	for i := 0; i < n/QK; i++ {
		x := w[i*q8_0Bytes : (i+1)*q8_0Bytes]
		y := a[i*q8_0Bytes : (i+1)*q8_0Bytes]
		var sumi int32
		for j := 0; j < QK; j++ {
			sumi += int8At(x, 2+j) * int8At(y, 2+j)
		}
		sum += float32(float32(sumi) * (f16At(x, 0) * f16At(y, 0)))
	}
	return sum
}

// q8K splits one Q8_K block into its scale, quants and 16-element sums.
func q8K(y []byte) (d float32, qs []byte, bsums []byte) {
	return math.Float32frombits(binary.LittleEndian.Uint32(y)), y[4 : 4+QKK], y[4+QKK:]
}

// bsum returns the sum of quants 16j..16j+15 stored in a Q8_K block.
func bsum(bsums []byte, j int) int32 {
	return int32(int16(binary.LittleEndian.Uint16(bsums[2*j:])))
}

// The K-quant dot products reproduce the lane structure of ggml's scalar
// code: the integer products of a super-block go to eight int32 lanes
// (element e to lane e%8), each lane is scaled by the super-block's
// d_weight·d_activation and added to its own float32 accumulator, and the
// eight accumulators are summed only at the end of the row. With one
// super-block this is just Σ lanes; with several it fixes the rounding
// order.

func dotQ2_KQ8_K(n int, w, a []byte) float32 {
	var sum float32
	for i := 0; i < n/QKK; i++ {
		x := w[i*q2_KBytes : (i+1)*q2_KBytes]
		yd, yq, bsums := q8K(a[i*q8_KBytes : (i+1)*q8_KBytes])
		scales, qs := x[0:16], x[16:80]

		// The min part: Σ_e dmin·m_s(e)·r_e = dmin·Σ_s m_s·bsum_s.
		var summs int32
		for s := 0; s < 16; s++ {
			summs += bsum(bsums, s) * int32(scales[s]>>4)
		}
		// The scale part, sub-block by sub-block (layout in dequantQ2_K).
		var isum int32
		for c := 0; c < 2; c++ {
			q := qs[32*c : 32*c+32]
			for k := 0; k < 4; k++ {
				for h := 0; h < 2; h++ {
					e0 := 128*c + 32*k + 16*h
					var isuml int32
					for l := 16 * h; l < 16*h+16; l++ {
						isuml += int8At(yq, 128*c+32*k+l) * int32(q[l]>>(2*k)&3)
					}
					isum += int32(scales[e0/16]&0x0f) * isuml
				}
			}
		}
		dall := yd * f16At(x, 80)
		dmin := yd * f16At(x, 82)
		sum += float32(dall*float32(isum)) - float32(dmin*float32(summs))
	}
	return sum
}

func dotQ3_KQ8_K(n int, w, a []byte) float32 {
	var sums [8]float32
	for i := 0; i < n/QKK; i++ {
		x := w[i*q3_KBytes : (i+1)*q3_KBytes]
		yd, yq, _ := q8K(a[i*q8_KBytes : (i+1)*q8_KBytes])
		hmask, qs := x[0:32], x[32:96]
		var scales [16]int32
		for s := range scales {
			scales[s] = q3KScale(s, x[96:108])
		}

		var q3 [QKK]int32 // the signed quants, -4..3 (layout in dequantQ3_K)
		for c := 0; c < 2; c++ {
			for k := 0; k < 4; k++ {
				for l := 0; l < 32; l++ {
					v := int32(qs[32*c+l]>>(2*k)) & 3
					if hmask[l]>>(4*c+k)&1 == 0 {
						v -= 4
					}
					q3[128*c+32*k+l] = v
				}
			}
		}
		var lanes [8]int32
		for e := 0; e < QKK; e++ {
			lanes[e%8] += scales[e/16] * (q3[e] * int8At(yq, e))
		}
		d := f16At(x, 108) * yd
		for l := range lanes {
			sums[l] += float32(d * float32(lanes[l]))
		}
	}
	var sum float32
	for _, s := range sums {
		sum += s
	}
	return sum
}

func dotQ4_KQ8_K(n int, w, a []byte) float32 {
	var sums [8]float32
	var sum float32
	for i := 0; i < n/QKK; i++ {
		x := w[i*q4_KBytes : (i+1)*q4_KBytes]
		yd, yq, bsums := q8K(a[i*q8_KBytes : (i+1)*q8_KBytes])
		scales, qs := x[4:16], x[16:144]

		var lanes [8]int32
		var summs int32
		for s := 0; s < 8; s++ { // sub-blocks of 32 (layout in dequantQ4_K)
			sc, m := kScaleMin(s, scales)
			summs += (bsum(bsums, 2*s) + bsum(bsums, 2*s+1)) * int32(m)
			q := qs[32*(s/2) : 32*(s/2)+32]
			for l := 0; l < 32; l++ {
				v := q[l] & 0x0f
				if s%2 == 1 {
					v = q[l] >> 4
				}
				e := 32*s + l
				lanes[e%8] += int32(sc) * (int32(v) * int8At(yq, e))
			}
		}
		d := f16At(x, 0) * yd
		for l := range lanes {
			sums[l] += float32(d * float32(lanes[l]))
		}
		dmin := f16At(x, 2) * yd
		sum -= float32(dmin * float32(summs))
	}
	for _, s := range sums {
		sum += s
	}
	return sum
}

func dotQ5_KQ8_K(n int, w, a []byte) float32 {
	var sums [8]float32
	var sum float32
	for i := 0; i < n/QKK; i++ {
		x := w[i*q5_KBytes : (i+1)*q5_KBytes]
		yd, yq, bsums := q8K(a[i*q8_KBytes : (i+1)*q8_KBytes])
		scales, qh, qs := x[4:16], x[16:48], x[48:176]

		var lanes [8]int32
		var summs int32
		for s := 0; s < 8; s++ { // sub-blocks of 32 (layout in dequantQ5_K)
			sc, m := kScaleMin(s, scales)
			summs += (bsum(bsums, 2*s) + bsum(bsums, 2*s+1)) * int32(m)
			q := qs[32*(s/2) : 32*(s/2)+32]
			for l := 0; l < 32; l++ {
				v := q[l] & 0x0f
				if s%2 == 1 {
					v = q[l] >> 4
				}
				v |= (qh[l] >> s & 1) << 4
				e := 32*s + l
				lanes[e%8] += int32(sc) * (int32(v) * int8At(yq, e))
			}
		}
		d := f16At(x, 0) * yd
		for l := range lanes {
			sums[l] += float32(d * float32(lanes[l]))
		}
		dmin := f16At(x, 2) * yd
		sum -= float32(dmin * float32(summs))
	}
	for _, s := range sums {
		sum += s
	}
	return sum
}

func dotQ6_KQ8_K(n int, w, a []byte) float32 {
	var sums [8]float32
	for i := 0; i < n/QKK; i++ {
		x := w[i*q6_KBytes : (i+1)*q6_KBytes]
		yd, yq, _ := q8K(a[i*q8_KBytes : (i+1)*q8_KBytes])
		ql, qh, scales := x[0:128], x[128:192], x[192:208]

		var lanes [8]int32
		for c := 0; c < 2; c++ { // chunks of 128 (layout in dequantQ6_K)
			lb, hb := ql[64*c:64*c+64], qh[32*c:32*c+32]
			for k := 0; k < 4; k++ {
				for l := 0; l < 32; l++ {
					lo := lb[l+32*(k%2)]
					if k >= 2 {
						lo >>= 4
					}
					v := int32(lo&0x0f|(hb[l]>>(2*k)&3)<<4) - 32
					e := 128*c + 32*k + l
					lanes[e%8] += int32(int8(scales[e/16])) * (v * int8At(yq, e))
				}
			}
		}
		d := f16At(x, 208) * yd
		for l := range lanes {
			sums[l] += float32(d * float32(lanes[l]))
		}
	}
	var sum float32
	for _, s := range sums {
		sum += s
	}
	return sum
}
