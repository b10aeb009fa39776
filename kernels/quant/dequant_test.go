package quant

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// The tests in this file build blocks byte by byte and compute the expected
// values from the format definitions (see blocks.go), with scale tables
// unpacked by hand. All scales are chosen so that every expected value is
// exact in float32, so the comparisons are exact.

// Half bit patterns used below.
const (
	hZero    = 0x0000
	hOne     = 0x3c00 // 1
	hHalf    = 0x3800 // 0.5
	hQuarter = 0x3400 // 0.25
	hMinus1  = 0xbc00 // -1
	hMinus2  = 0xc000 // -2
	hMinus3  = 0xc200 // -3
	hMax     = 0x7bff // 65504
)

func le16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }

// pattern returns n bytes b[i] = i·mul + add (mod 256): an arbitrary but
// fixed filling that exercises every bit position.
func pattern(n, mul, add int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*mul + add)
	}
	return b
}

func fill(n int, v byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = v
	}
	return b
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func f16b(h uint16) []byte { return []byte{byte(h), byte(h >> 8)} }

func checkDequant(t *testing.T, typ Type, name string, src []byte, want []float32) {
	t.Helper()
	if len(src) != len(want)/typ.BlockSize()*typ.BlockBytes() {
		t.Fatalf("%v %s: test block is %d bytes, want %d", typ, name, len(src), len(want)/typ.BlockSize()*typ.BlockBytes())
	}
	got := make([]float32, len(want))
	if err := Dequantize(typ, src, got); err != nil {
		t.Fatalf("%v %s: %v", typ, name, err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%v %s: element %d = %g, want %g", typ, name, i, got[i], want[i])
		}
	}
}

func TestDequantFloat(t *testing.T) {
	vals := []float32{0, 1, -2.5, 65504, 0x1p-24}
	f32 := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(f32[4*i:], math.Float32bits(v))
	}
	checkDequant(t, F32, "values", f32, vals)
	checkDequant(t, F16, "values", cat(f16b(0), f16b(0x3c00), f16b(0xc100), f16b(0x7bff), f16b(0x0001)), vals)
	// BF16: 1 = 0x3f80, -2.5 = 0xc020, 65504 = 0x477fe0 >> 16 is not exact,
	// so use 65280 = 0x477f00.
	checkDequant(t, BF16, "values", cat(f16b(0), f16b(0x3f80), f16b(0xc020), f16b(0x477f)),
		[]float32{0, 1, -2.5, 65280})
}

// q4Block is a Q4_0 block with scale d and qs[j] = j | (15-j)<<4, so element
// j has q = j and element j+16 has q = 15-j.
func q4Block(d uint16) []byte {
	b := f16b(d)
	for j := 0; j < 16; j++ {
		b = append(b, byte(j|(15-j)<<4))
	}
	return b
}

func TestDequantQ4_0(t *testing.T) {
	want := func(d float32) []float32 {
		y := make([]float32, 32)
		for j := 0; j < 16; j++ {
			y[j] = float32(j-8) * d
			y[j+16] = float32(15-j-8) * d
		}
		return y
	}
	// Spot check of the layout: qs[3] = 0xc3, low nibble 3 → element 3 is
	// (3-8)·0.5 = -2.5; high nibble 12 → element 19 is (12-8)·0.5 = 2.
	w := want(0.5)
	if w[3] != -2.5 || w[19] != 2 {
		t.Fatalf("bad expectation %g %g", w[3], w[19])
	}
	checkDequant(t, Q4_0, "d=0.5", q4Block(hHalf), w)
	checkDequant(t, Q4_0, "d=-1", q4Block(hMinus1), want(-1))
	checkDequant(t, Q4_0, "d=65504", q4Block(hMax), want(65504))
	checkDequant(t, Q4_0, "zero", make([]byte, 18), make([]float32, 32))
	checkDequant(t, Q4_0, "two blocks", cat(q4Block(hHalf), q4Block(hMinus1)), append(want(0.5), want(-1)...))
}

func TestDequantQ4_1(t *testing.T) {
	block := func(d, m uint16) []byte { return cat(f16b(d), f16b(m), q4Block(0)[2:]) }
	want := func(d, m float32) []float32 {
		y := make([]float32, 32)
		for j := 0; j < 16; j++ {
			y[j] = float32(j)*d + m
			y[j+16] = float32(15-j)*d + m
		}
		return y
	}
	// Element 19 = 12·0.5 + (-2) = 4.
	if w := want(0.5, -2); w[19] != 4 {
		t.Fatalf("bad expectation %g", w[19])
	}
	checkDequant(t, Q4_1, "d=0.5 m=-2", block(hHalf, hMinus2), want(0.5, -2))
	checkDequant(t, Q4_1, "d=-1 m=1", block(hMinus1, hOne), want(-1, 1))
	checkDequant(t, Q4_1, "max", block(hMax, hMax), want(65504, 65504))
	checkDequant(t, Q4_1, "zero", make([]byte, 20), make([]float32, 32))
}

// q5Quants returns element j's 5-bit quant for qh and qs: the low four bits
// are nibble j%16 of qs (low nibble for j < 16), bit 4 is bit j of qh.
func q5Quant(qh uint32, qs []byte, j int) int {
	nib := int(qs[j%16] & 0x0f)
	if j >= 16 {
		nib = int(qs[j%16] >> 4)
	}
	return nib | int(qh>>j&1)<<4
}

func TestDequantQ5_0(t *testing.T) {
	const qh = 0xa5a5f00f
	qs := pattern(16, 17, 3)
	block := func(d uint16) []byte {
		return cat(f16b(d), []byte{0x0f, 0xf0, 0xa5, 0xa5}, qs)
	}
	want := func(d float32) []float32 {
		y := make([]float32, 32)
		for j := range y {
			y[j] = float32(q5Quant(qh, qs, j)-16) * d
		}
		return y
	}
	// Spot checks: qs[1] = 20 = 0x14; qh bit 1 is 1 (0x0f) and bit 17 is 0
	// (byte 2 = 0xa5, bit 1 clear). Element 1: 4 | 16 = 20 → (20-16)·0.5 = 2.
	// Element 17: 1 → (1-16)·0.5 = -7.5.
	if w := want(0.5); w[1] != 2 || w[17] != -7.5 {
		t.Fatalf("bad expectation %g %g", w[1], w[17])
	}
	checkDequant(t, Q5_0, "d=0.5", block(hHalf), want(0.5))
	checkDequant(t, Q5_0, "d=-1", block(hMinus1), want(-1))
	checkDequant(t, Q5_0, "d=65504", block(hMax), want(65504))
	checkDequant(t, Q5_0, "zero", make([]byte, 22), make([]float32, 32))
	checkDequant(t, Q5_0, "all ones", cat(f16b(hOne), fill(20, 0xff)), fillF(32, 15))
}

func fillF(n int, v float32) []float32 {
	y := make([]float32, n)
	for i := range y {
		y[i] = v
	}
	return y
}

func TestDequantQ5_1(t *testing.T) {
	const qh = 0xa5a5f00f
	qs := pattern(16, 17, 3)
	block := func(d, m uint16) []byte {
		return cat(f16b(d), f16b(m), []byte{0x0f, 0xf0, 0xa5, 0xa5}, qs)
	}
	want := func(d, m float32) []float32 {
		y := make([]float32, 32)
		for j := range y {
			y[j] = float32(q5Quant(qh, qs, j))*d + m
		}
		return y
	}
	// Element 1 (see TestDequantQ5_0) has q = 20: 20·0.5 - 3 = 7.
	if w := want(0.5, -3); w[1] != 7 {
		t.Fatalf("bad expectation %g", w[1])
	}
	checkDequant(t, Q5_1, "d=0.5 m=-3", block(hHalf, hMinus3), want(0.5, -3))
	checkDequant(t, Q5_1, "d=-1 m=0.25", block(hMinus1, hQuarter), want(-1, 0.25))
	checkDequant(t, Q5_1, "max", cat(f16b(hMax), f16b(hMax), fill(20, 0xff)), fillF(32, 31*65504+65504))
	checkDequant(t, Q5_1, "zero", make([]byte, 24), make([]float32, 32))
}

func TestDequantQ8_0(t *testing.T) {
	// qs[j] = 8j - 128 as int8: -128, -120, ..., 120.
	qs := pattern(32, 8, 128)
	want := func(d float32) []float32 {
		y := make([]float32, 32)
		for j := range y {
			y[j] = float32(8*j-128) * d
		}
		return y
	}
	checkDequant(t, Q8_0, "d=0.25", cat(f16b(hQuarter), qs), want(0.25))
	checkDequant(t, Q8_0, "d=-1", cat(f16b(hMinus1), qs), want(-1))
	checkDequant(t, Q8_0, "d=65504", cat(f16b(hMax), qs), want(65504))
	checkDequant(t, Q8_0, "zero", make([]byte, 34), make([]float32, 32))
	// Q8_1 is the same with s (ignored by dequantization) after d.
	checkDequant(t, Q8_1, "d=0.25", cat(f16b(hQuarter), f16b(hMax), qs), want(0.25))
	checkDequant(t, Q8_1, "d=-1", cat(f16b(hMinus1), f16b(hOne), qs), want(-1))
	checkDequant(t, Q8_1, "zero", make([]byte, 36), make([]float32, 32))
}

func TestDequantQ8_K(t *testing.T) {
	qs := pattern(256, 1, 0) // q_e = int8(e): 0..127, -128..-1
	block := func(d float32) []byte {
		b := make([]byte, 4)
		binary.LittleEndian.PutUint32(b, math.Float32bits(d))
		return cat(b, qs, pattern(32, 3, 1)) // bsums: not used here
	}
	want := func(d float32) []float32 {
		y := make([]float32, 256)
		for e := range y {
			y[e] = d * float32(int8(e))
		}
		return y
	}
	if w := want(-3); w[129] != 381 {
		t.Fatalf("bad expectation %g", w[129]) // int8(129) = -127; -3·-127 = 381
	}
	checkDequant(t, Q8_K, "d=0.25", block(0.25), want(0.25))
	checkDequant(t, Q8_K, "d=-3", block(-3), want(-3))
	checkDequant(t, Q8_K, "d=2^100", block(0x1p100), want(0x1p100))
	checkDequant(t, Q8_K, "zero", make([]byte, 292), make([]float32, 256))
}

// kChunk splits a K-quant element index e in 0..255 into the 128-element
// chunk c, the 32-element group k within it and the position l within the
// group: e = 128c + 32k + l.
func kChunk(e int) (c, k, l int) { return e / 128, e % 128 / 32, e % 32 }

func TestDequantQ2_K(t *testing.T) {
	scales := pattern(16, 23, 9) // scale = low nibble, min = high nibble
	qs := pattern(64, 59, 1)
	block := func(d, dmin uint16) []byte { return cat(scales, qs, f16b(d), f16b(dmin)) }
	want := func(d, dmin float32) []float32 {
		y := make([]float32, 256)
		for e := range y {
			c, k, l := kChunk(e)
			q := float32(qs[32*c+l] >> (2 * k) & 3)
			sc := scales[e/16]
			y[e] = d*float32(sc&0x0f)*q - dmin*float32(sc>>4)
		}
		return y
	}
	// Spot check, element 78 = 32·2 + 14: chunk 0, group k=2, l=14.
	// qs[14] = 14·59+1 = 827 mod 256 = 59 = 0b00111011, bits 4..5 = 0b11
	// → q = 3. Sub-block 78/16 = 4: scales[4] = 4·23+9 = 101 = 0x65: scale
	// 5, min 6. 0.5·5·3 - 0.25·6 = 7.5 - 1.5 = 6.
	if w := want(0.5, 0.25); w[78] != 6 {
		t.Fatalf("bad expectation %g", w[78])
	}
	checkDequant(t, Q2_K, "d=0.5 dmin=0.25", block(hHalf, hQuarter), want(0.5, 0.25))
	checkDequant(t, Q2_K, "d=-1 dmin=-2", block(hMinus1, hMinus2), want(-1, -2))
	// Max: scale 15, min 15, q = 3: 65504·15·3 - 65504·15 = 65504·30.
	checkDequant(t, Q2_K, "max", cat(fill(80, 0xff), f16b(hMax), f16b(hMax)), fillF(256, 65504*30))
	checkDequant(t, Q2_K, "zero", make([]byte, 84), make([]float32, 256))
}

// q3Scales packs the 6-bit values 0, 1, 31, 32, 33, 63, 10, 20, 40, 50, 5,
// 15, 25, 35, 45, 55 (sub-blocks 0..15) into the 12 Q3_K scale bytes, by hand:
// bytes 0..7 hold the low nibbles of sub-blocks j (low half) and j+8 (high
// half); byte 8+i holds the top two bits of sub-blocks i, i+4, i+8, i+12 at
// bits 0, 2, 4, 6.
//
//	byte 0 = 0 | 40&15<<4 = 0x80      byte 8  = 0 | 2<<2 | 2<<4 | 1<<6 = 0x68
//	byte 1 = 1 | 50&15<<4 = 0x21      byte 9  = 0 | 3<<2 | 3<<4 | 2<<6 = 0xbc
//	byte 2 = 15 | 5<<4 = 0x5f         byte 10 = 1 | 0<<2 | 0<<4 | 2<<6 = 0x81
//	byte 3 = 0 | 15<<4 = 0xf0         byte 11 = 2 | 1<<2 | 0<<4 | 3<<6 = 0xc6
//	byte 4 = 1 | 9<<4 = 0x91
//	byte 5 = 15 | 3<<4 = 0x3f
//	byte 6 = 10 | 13<<4 = 0xda
//	byte 7 = 4 | 7<<4 = 0x74
var q3Scales = []byte{0x80, 0x21, 0x5f, 0xf0, 0x91, 0x3f, 0xda, 0x74, 0x68, 0xbc, 0x81, 0xc6}

// q3Signed are those values minus 32.
var q3Signed = []float32{-32, -31, -1, 0, 1, 31, -22, -12, 8, 18, -27, -17, -7, 3, 13, 23}

func TestDequantQ3_K(t *testing.T) {
	// Unpack sub-block 13 explicitly: low nibble from the high half of
	// byte 13-8 = 5 (0x3f → 3); top bits from byte 8 + 13%4 = 9 (0xbc) at
	// bit 2·(13/4) = 6 → 0b10 = 2. 3 | 2<<4 = 35, minus 32 = 3.
	if lo, hi := q3Scales[5]>>4, q3Scales[9]>>6&3; int(lo|hi<<4)-32 != int(q3Signed[13]) {
		t.Fatalf("bad hand-packed scale for sub-block 13")
	}
	hmask := pattern(32, 97, 3)
	qs := pattern(64, 45, 17)
	block := func(d uint16) []byte { return cat(hmask, qs, q3Scales, f16b(d)) }
	want := func(d float32) []float32 {
		y := make([]float32, 256)
		for e := range y {
			c, k, l := kChunk(e)
			q := int(qs[32*c+l] >> (2 * k) & 3)
			if hmask[l]>>(4*c+k)&1 == 0 {
				q -= 4
			}
			y[e] = d * q3Signed[e/16] * float32(q)
		}
		return y
	}
	// Element 200 = 128 + 32·2 + 8: c=1, k=2, l=8. qs[40] = 40·45+17 =
	// 1817 mod 256 = 25 = 0b00011001, bits 4..5 = 0b01 → 1. hmask[8] =
	// 8·97+3 = 779 mod 256 = 11 = 0b00001011, bit 4·1+2 = 6 is 0 → 1-4 = -3.
	// Sub-block 200/16 = 12: scale -7. 0.5·(-7)·(-3) = 10.5.
	if w := want(0.5); w[200] != 10.5 {
		t.Fatalf("bad expectation %g", w[200])
	}
	checkDequant(t, Q3_K, "d=0.5", block(hHalf), want(0.5))
	checkDequant(t, Q3_K, "d=-1", block(hMinus1), want(-1))
	checkDequant(t, Q3_K, "d=65504", block(hMax), want(65504))
	// All scale bits zero means scale -32; all quant bits zero means q = -4.
	checkDequant(t, Q3_K, "zero quants d=1", cat(make([]byte, 108), f16b(hOne)), fillF(256, 128))
	checkDequant(t, Q3_K, "zero", make([]byte, 110), make([]float32, 256))
}

// kScales packs scales 1, 2, 3, 4, 63, 17, 33, 48 and mins 0, 5, 10, 63, 1,
// 20, 40, 2 (sub-blocks 0..7) into the 12 Q4_K/Q5_K scale bytes, by hand.
// Bytes 0..3: scale j in the low 6 bits, the top 2 bits of scale j+4 above.
// Bytes 4..7: min j in the low 6 bits, the top 2 bits of min j+4 above.
// Bytes 8..11: the low nibbles of scale j+4 (low) and min j+4 (high).
//
//	byte 0 = 1 | (63>>4)<<6 = 0xc1    byte 4 = 0 | (1>>4)<<6 = 0x00
//	byte 1 = 2 | (17>>4)<<6 = 0x42    byte 5 = 5 | (20>>4)<<6 = 0x45
//	byte 2 = 3 | (33>>4)<<6 = 0x83    byte 6 = 10 | (40>>4)<<6 = 0x8a
//	byte 3 = 4 | (48>>4)<<6 = 0xc4    byte 7 = 63 | (2>>4)<<6 = 0x3f
//	byte 8 = 15 | 1<<4 = 0x1f         byte 10 = 1 | 8<<4 = 0x81
//	byte 9 = 1 | 4<<4 = 0x41          byte 11 = 0 | 2<<4 = 0x20
var kScales = []byte{0xc1, 0x42, 0x83, 0xc4, 0x00, 0x45, 0x8a, 0x3f, 0x1f, 0x41, 0x81, 0x20}

var (
	kSc  = []float32{1, 2, 3, 4, 63, 17, 33, 48}
	kMin = []float32{0, 5, 10, 63, 1, 20, 40, 2}
)

func TestDequantQ4_K(t *testing.T) {
	// Unpack sub-block 5 explicitly: scale = low nibble of byte 9 (0x41 →
	// 1) | top bits of byte 1 (0x42 → 1) << 4 = 17; min = high nibble of
	// byte 9 (4) | top bits of byte 5 (0x45 → 1) << 4 = 20.
	if sc, m := kScales[9]&15|kScales[1]>>6<<4, kScales[9]>>4|kScales[5]>>6<<4; sc != 17 || m != 20 {
		t.Fatalf("bad hand-packed scales for sub-block 5: %d %d", sc, m)
	}
	qs := pattern(128, 37, 11)
	block := func(d, dmin uint16) []byte { return cat(f16b(d), f16b(dmin), kScales, qs) }
	want := func(d, dmin float32) []float32 {
		y := make([]float32, 256)
		for e := range y {
			s, l := e/32, e%32
			// Sub-blocks 2c and 2c+1 share qs[32c:32c+32]: low, high nibble.
			q := qs[32*(s/2)+l] & 0x0f
			if s%2 == 1 {
				q = qs[32*(s/2)+l] >> 4
			}
			y[e] = d*kSc[s]*float32(q) - dmin*kMin[s]
		}
		return y
	}
	// Element 163 = 32·5 + 3: qs[64+3] = 67·37+11 = 2490 mod 256 = 0xba,
	// high nibble 11. 0.5·17·11 - 0.25·20 = 93.5 - 5 = 88.5.
	if w := want(0.5, 0.25); w[163] != 88.5 {
		t.Fatalf("bad expectation %g", w[163])
	}
	checkDequant(t, Q4_K, "d=0.5 dmin=0.25", block(hHalf, hQuarter), want(0.5, 0.25))
	checkDequant(t, Q4_K, "d=-1 dmin=-2", block(hMinus1, hMinus2), want(-1, -2))
	// All bits set: every scale and min is 63, every q is 15.
	checkDequant(t, Q4_K, "max", cat(f16b(hMax), f16b(hMax), fill(140, 0xff)), fillF(256, 65504*63*15-65504*63))
	checkDequant(t, Q4_K, "zero", make([]byte, 144), make([]float32, 256))
}

func TestDequantQ5_K(t *testing.T) {
	qh := pattern(32, 53, 7)
	qs := pattern(128, 37, 11)
	block := func(d, dmin uint16) []byte { return cat(f16b(d), f16b(dmin), kScales, qh, qs) }
	want := func(d, dmin float32) []float32 {
		y := make([]float32, 256)
		for e := range y {
			s, l := e/32, e%32
			q := qs[32*(s/2)+l] & 0x0f
			if s%2 == 1 {
				q = qs[32*(s/2)+l] >> 4
			}
			q |= (qh[l] >> s & 1) << 4 // bit s of qh[l] is the fifth bit
			y[e] = d*kSc[s]*float32(q) - dmin*kMin[s]
		}
		return y
	}
	// Element 163 (see Q4_K): low bits 11; qh[3] = 3·53+7 = 166 = 0b10100110,
	// bit 5 is 1 → q = 27. 0.5·17·27 - 0.25·20 = 229.5 - 5 = 224.5.
	if w := want(0.5, 0.25); w[163] != 224.5 {
		t.Fatalf("bad expectation %g", w[163])
	}
	checkDequant(t, Q5_K, "d=0.5 dmin=0.25", block(hHalf, hQuarter), want(0.5, 0.25))
	checkDequant(t, Q5_K, "d=-1 dmin=-2", block(hMinus1, hMinus2), want(-1, -2))
	checkDequant(t, Q5_K, "max", cat(f16b(hMax), f16b(hMax), fill(172, 0xff)), fillF(256, 65504*63*31-65504*63))
	checkDequant(t, Q5_K, "zero", make([]byte, 176), make([]float32, 256))
}

func TestDequantQ6_K(t *testing.T) {
	scales := []int8{1, -1, 2, -2, 127, -128, 10, -10, 3, -3, 4, -4, 5, -5, 64, -64}
	sb := make([]byte, 16)
	for i, s := range scales {
		sb[i] = byte(s)
	}
	ql := pattern(128, 29, 5)
	qh := pattern(64, 71, 13)
	block := func(d uint16) []byte { return cat(ql, qh, sb, f16b(d)) }
	want := func(d float32) []float32 {
		y := make([]float32, 256)
		for e := range y {
			c, k, l := kChunk(e)
			// Low 4 bits: groups 0 and 1 take the low nibbles of
			// ql[64c+l] and ql[64c+32+l], groups 2 and 3 the high ones.
			lo := ql[64*c+32*(k%2)+l]
			if k >= 2 {
				lo >>= 4
			}
			hi := qh[32*c+l] >> (2 * k) & 3
			q := int(lo&0x0f|hi<<4) - 32
			y[e] = d * float32(scales[e/16]) * float32(q)
		}
		return y
	}
	// Element 210 = 128 + 32·2 + 18: c=1, k=2, l=18. ql[64+18] = 82·29+5 =
	// 2383 mod 256 = 79 = 0x4f, high nibble 4. qh[32+18] = 50·71+13 = 3563
	// mod 256 = 235 = 0b11101011, bits 4..5 = 0b10 = 2. q = 4 | 2<<4 = 36,
	// minus 32 = 4. Sub-block 210/16 = 13: scale -5. 0.25·(-5)·4 = -5.
	if w := want(0.25); w[210] != -5 {
		t.Fatalf("bad expectation %g", w[210])
	}
	checkDequant(t, Q6_K, "d=0.25", block(hQuarter), want(0.25))
	checkDequant(t, Q6_K, "d=-1", block(hMinus1), want(-1))
	checkDequant(t, Q6_K, "d=65504", block(hMax), want(65504))
	// Zero quant bits mean q = -32; scale -128 gives the largest magnitude.
	checkDequant(t, Q6_K, "max", cat(make([]byte, 192), fill(16, 0x80), f16b(hMax)), fillF(256, 65504*128*32))
	checkDequant(t, Q6_K, "zero", make([]byte, 210), make([]float32, 256))
}

func TestDequantizeErrors(t *testing.T) {
	dst := make([]float32, 64)
	for _, c := range []struct {
		name string
		t    Type
		src  int
		dst  int
	}{
		{"partial block", Q4_0, 18, 31},
		{"short src", Q4_0, 35, 64},
		{"long src", Q4_0, 37, 64},
		{"src for one block", Q4_K, 144, 64},
		{"F16 odd bytes", F16, 7, 4},
	} {
		if err := Dequantize(c.t, make([]byte, c.src), dst[:c.dst]); err == nil {
			t.Errorf("%s: Dequantize(%v, %d bytes, %d elements) succeeded", c.name, c.t, c.src, c.dst)
		}
	}
	for _, typ := range []Type{I8, I32, F64, Type(99)} {
		err := Dequantize(typ, nil, nil)
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("Dequantize(%v) error = %v, want ErrUnsupported", typ, err)
		}
	}
	if err := Dequantize(Q4_K, nil, nil); err != nil {
		t.Errorf("Dequantize of zero elements: %v", err)
	}
}

func TestBlockConstants(t *testing.T) {
	for typ, n := range map[Type]int{
		Q4_0: q4_0Bytes, Q4_1: q4_1Bytes, Q5_0: q5_0Bytes, Q5_1: q5_1Bytes,
		Q8_0: q8_0Bytes, Q8_1: q8_1Bytes, Q2_K: q2_KBytes, Q3_K: q3_KBytes,
		Q4_K: q4_KBytes, Q5_K: q5_KBytes, Q6_K: q6_KBytes, Q8_K: q8_KBytes,
	} {
		if typ.BlockBytes() != n {
			t.Errorf("%v: block bytes %d in types.go, %d in blocks.go", typ, typ.BlockBytes(), n)
		}
	}
	for typ, n := range map[Type]int{
		Q4_0: 18, Q4_1: 20, Q5_0: 22, Q5_1: 24, Q8_0: 34, Q8_1: 36,
		Q2_K: 84, Q3_K: 110, Q4_K: 144, Q5_K: 176, Q6_K: 210, Q8_K: 292,
	} {
		if typ.BlockBytes() != n {
			t.Errorf("%v: block bytes %d, want %d (ggml)", typ, typ.BlockBytes(), n)
		}
	}
}
