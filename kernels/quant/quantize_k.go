package quant

import "encoding/binary"

// The K-quant weight quantizers. They are not ggml's: ggml searches each
// sub-block's scale (and min) iteratively for the least squared error; these
// pick the scales in one pass, rounding them up so that every sub-block's
// range is covered, and then round each element to the nearest level. The
// error of an element is therefore at most half its sub-block's step
// (d·sc), and that step exceeds the smallest step that covers the sub-block
// by at most one super-block scale quantum d. The packed layouts are exactly
// those Dequantize decodes (see blocks.go).
//
//   - Q4_K, Q5_K (levels = 15, 31): per sub-block of 32, lo = min(0, min x)
//     and hi = max x. The min -lo is stored as dmin·m with m = ceil(-lo/dmin)
//     and dmin = max(-lo)/63 rounded up to f16, so the offset dmin·m is at
//     least -lo; the step must then cover hi + dmin·m in `levels` steps:
//     sc = ceil((hi + dmin·m)/levels/d) with d = max over sub-blocks of that
//     step, over 63, rounded up to f16. q = clamp(round((x + dmin·m)/(d·sc))).
//   - Q6_K: per sub-block of 16, the step s = max|x|/31, d = max(s)/127
//     rounded up to f16, sc = ceil(s/d) (an int8), and q - 32 =
//     round(x/(d·sc)) in -31..31 (level -32 is not used).
//
// Rounding is to nearest with halfway cases up.
//
// A sub-block of zeros gets scale and min 0 and dequantizes to zeros; so
// does a super-block of zeros (d = dmin = 0). NaN and Inf inputs give
// meaningless but in-range fields.

// f16Up returns the smallest non-negative half whose value is >= x (x >= 0),
// as its bits. Values past the largest half give +Inf; NaN gives NaN.
func f16Up(x float32) uint16 {
	h := F32ToF16(x)
	if F16ToF32(h) < x {
		h++
	}
	return h
}

// ceilClamp returns ceil(x) clamped to 0..hi, with NaN giving 0.
func ceilClamp(x float32, hi int32) int32 {
	if !(x > 0) {
		return 0
	}
	if x >= float32(hi) {
		return hi
	}
	c := int32(x)
	if float32(c) < x {
		c++
	}
	return c
}

// roundClamp returns x rounded to nearest (halfway cases up) and clamped to
// 0..hi, with NaN giving 0.
func roundClamp(x float32, hi int32) int32 {
	if !(x > 0) {
		return 0
	}
	if x >= float32(hi) {
		return hi
	}
	return int32(x + 0.5)
}

// span returns min(0, min xs) and max xs for len(xs) a multiple of 4, with
// four independent running minima and maxima.
func span(xs []float32) (lo, hi float32) {
	var lo0, lo1, lo2, lo3 float32
	hi0, hi1, hi2, hi3 := xs[0], xs[0], xs[0], xs[0]
	for i := 0; i+4 <= len(xs); i += 4 {
		lo0, hi0 = min(lo0, xs[i]), max(hi0, xs[i])
		lo1, hi1 = min(lo1, xs[i+1]), max(hi1, xs[i+1])
		lo2, hi2 = min(lo2, xs[i+2]), max(hi2, xs[i+2])
		lo3, hi3 = min(lo3, xs[i+3]), max(hi3, xs[i+3])
	}
	return min(lo0, lo1, lo2, lo3), max(hi0, hi1, hi2, hi3)
}

// spanAbs returns max |xs| for len(xs) a multiple of 4, as span does.
func spanAbs(xs []float32) float32 {
	var m0, m1, m2, m3 float32
	for i := 0; i+4 <= len(xs); i += 4 {
		m0, m1 = max(m0, abs32(xs[i])), max(m1, abs32(xs[i+1]))
		m2, m3 = max(m2, abs32(xs[i+2])), max(m3, abs32(xs[i+3]))
	}
	return max(m0, m1, m2, m3)
}

// quantKAsym quantizes one super-block x of 256 elements to 8 sub-blocks of
// 32 with asymmetric levels 0..levels: it returns the f16 bits of d and dmin,
// the 6-bit scales and mins, and the quants in q.
func quantKAsym(x []float32, levels int32, q *[QKK]uint8) (d, dmin uint16, sc, m [8]uint8) {
	var lo, hi [8]float32
	var maxMin float32
	for j := 0; j < 8; j++ {
		l, h := span(x[32*j : 32*j+32])
		lo[j], hi[j] = l, h
		maxMin = max(maxMin, -l)
	}
	dmin = f16Up(maxMin / 63)
	dm := F16ToF32(dmin)
	var need [8]float32
	var maxNeed float32
	for j := 0; j < 8; j++ {
		mj := int32(0)
		if dm > 0 {
			mj = ceilClamp(-lo[j]/dm, 63)
		}
		m[j] = uint8(mj)
		need[j] = (hi[j] + float32(dm*float32(mj))) / float32(levels)
		maxNeed = max(maxNeed, need[j])
	}
	d = f16Up(maxNeed / 63)
	dd := F16ToF32(d)
	for j := 0; j < 8; j++ {
		scj := int32(0)
		if dd > 0 {
			scj = ceilClamp(need[j]/dd, 63)
		}
		sc[j] = uint8(scj)
		// The step and offset exactly as the dequantizer computes them.
		step, off := dd*float32(sc[j]), float32(dm*float32(m[j]))
		inv := inverse(step)
		for i, v := range x[32*j : 32*j+32] {
			q[32*j+i] = uint8(roundClamp((v+off)*inv, levels))
		}
	}
	return d, dmin, sc, m
}

// packKScales packs 6-bit scales and mins into the 12 bytes s as kScaleMin
// reads them.
func packKScales(s []byte, sc, m *[8]uint8) {
	for j := 0; j < 4; j++ {
		s[j] = sc[j]&63 | (sc[j+4]>>4)<<6
		s[j+4] = m[j]&63 | (m[j+4]>>4)<<6
		s[j+8] = sc[j+4]&0x0f | (m[j+4]&0x0f)<<4
	}
}

func quantQ4_K(src []float32, dst []byte) {
	var q [QKK]uint8
	for i := 0; i < len(src)/QKK; i++ {
		x := src[i*QKK : (i+1)*QKK]
		b := dst[i*q4_KBytes : (i+1)*q4_KBytes]
		d, dmin, sc, m := quantKAsym(x, 15, &q)
		binary.LittleEndian.PutUint16(b[0:], d)
		binary.LittleEndian.PutUint16(b[2:], dmin)
		packKScales(b[4:16], &sc, &m)
		qs := b[16:144]
		for c := 0; c < 4; c++ {
			for l := 0; l < 32; l++ {
				qs[32*c+l] = q[64*c+l] | q[64*c+32+l]<<4
			}
		}
	}
}

func quantQ5_K(src []float32, dst []byte) {
	var q [QKK]uint8
	for i := 0; i < len(src)/QKK; i++ {
		x := src[i*QKK : (i+1)*QKK]
		b := dst[i*q5_KBytes : (i+1)*q5_KBytes]
		d, dmin, sc, m := quantKAsym(x, 31, &q)
		binary.LittleEndian.PutUint16(b[0:], d)
		binary.LittleEndian.PutUint16(b[2:], dmin)
		packKScales(b[4:16], &sc, &m)
		qh, qs := b[16:48], b[48:176]
		clear(qh)
		for c := 0; c < 4; c++ {
			for l := 0; l < 32; l++ {
				lo, hi := q[64*c+l], q[64*c+32+l]
				qs[32*c+l] = lo&0x0f | (hi&0x0f)<<4
				qh[l] |= (lo>>4)<<(2*c) | (hi>>4)<<(2*c+1)
			}
		}
	}
}

func quantQ6_K(src []float32, dst []byte) {
	for i := 0; i < len(src)/QKK; i++ {
		x := src[i*QKK : (i+1)*QKK]
		b := dst[i*q6_KBytes : (i+1)*q6_KBytes]
		ql, qh, scales := b[0:128], b[128:192], b[192:208]
		var step [16]float32
		var maxStep float32
		for j := range step {
			step[j] = spanAbs(x[16*j:16*j+16]) / 31
			maxStep = max(maxStep, step[j])
		}
		d := f16Up(maxStep / 127)
		dd := F16ToF32(d)
		binary.LittleEndian.PutUint16(b[208:], d)
		var q [QKK]uint8
		for j := range step {
			scj := int32(0)
			if dd > 0 {
				scj = ceilClamp(step[j]/dd, 127)
			}
			scales[j] = byte(int8(scj))
			inv := inverse(dd * float32(scj))
			for l, v := range x[16*j : 16*j+16] {
				q[16*j+l] = uint8(roundClamp(v*inv+32, 63))
			}
		}
		clear(ql)
		clear(qh)
		for c := 0; c < 2; c++ {
			lb, hb := ql[64*c:64*c+64], qh[32*c:32*c+32]
			for k := 0; k < 4; k++ {
				for l := 0; l < 32; l++ {
					v := q[128*c+32*k+l]
					lb[l+32*(k%2)] |= (v & 0x0f) << (4 * (k / 2))
					hb[l] |= (v >> 4) << (2 * k)
				}
			}
		}
	}
}
