package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// weightTypes are the types VecDot takes as weights.
var weightTypes = []Type{F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K}

// scaleOffsets are the byte offsets of the f16 scale (and min) fields in one
// block of each quantized weight type.
var scaleOffsets = map[Type][]int{
	Q4_0: {0}, Q4_1: {0, 2}, Q5_0: {0}, Q5_1: {0, 2}, Q8_0: {0},
	Q2_K: {80, 82}, Q3_K: {108}, Q4_K: {0, 2}, Q5_K: {0, 2}, Q6_K: {208},
}

// randomWeights returns n elements of type t: random floats for the float
// types; random bytes with sane, finite f16 scales for the quantized ones.
func randomWeights(t testing.TB, rng *rand.Rand, typ Type, n int) []byte {
	if _, ok := scaleOffsets[typ]; !ok {
		return quantize(t, typ, randomRow(rng, n))
	}
	size, err := typ.RowBytes(n)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	bb := typ.BlockBytes()
	for blk := 0; blk < size/bb; blk++ {
		scale := math.Ldexp(1, rng.IntN(12)-8)
		for _, off := range scaleOffsets[typ] {
			v := float32(rng.NormFloat64() * scale)
			binary.LittleEndian.PutUint16(b[blk*bb+off:], F32ToF16(v))
		}
	}
	return b
}

func TestVecDotType(t *testing.T) {
	for typ, want := range map[Type]Type{
		F32: F32, F16: F16, BF16: BF16,
		Q4_0: Q8_0, Q5_0: Q8_0, Q8_0: Q8_0,
		Q4_1: Q8_1, Q5_1: Q8_1,
		Q2_K: Q8_K, Q3_K: Q8_K, Q4_K: Q8_K, Q5_K: Q8_K, Q6_K: Q8_K,
	} {
		if got := typ.VecDotType(); got != want {
			t.Errorf("%v.VecDotType() = %v, want %v", typ, got, want)
		}
	}
}

// TestVecDotMatchesDequantized checks VecDot against the float64 dot product
// of the dequantized rows, for every weight type, on random blocks.
func TestVecDotMatchesDequantized(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	worst := map[Type]float64{}
	for _, typ := range weightTypes {
		act := typ.VecDotType()
		bs := max(typ.BlockSize(), act.BlockSize(), QK)
		for _, blocks := range []int{1, 2, 7} {
			for iter := 0; iter < 20; iter++ {
				n := blocks * bs
				w := randomWeights(t, rng, typ, n)
				a := quantize(t, act, randomRow(rng, n))
				wf, af := dequantize(t, typ, w, n), dequantize(t, act, a, n)

				var want, mag float64
				for i := range wf {
					p := float64(wf[i]) * float64(af[i])
					want += p
					mag += math.Abs(p)
				}
				if act == Q8_1 {
					// The kernel uses the activation's stored s = f16(d·Σq)
					// for the min term m·d·Σq; add its rounding to want.
					for blk := 0; blk < n/QK; blk++ {
						m := float64(f16At(w, blk*typ.BlockBytes()+2))
						ab := a[blk*q8_1Bytes:]
						var sumq float64
						for _, q := range ab[4:q8_1Bytes] {
							sumq += float64(int8(q))
						}
						s := float64(f16At(ab, 2))
						want += m * (s - float64(f16At(ab, 0))*sumq)
						mag += math.Abs(m * s)
					}
				}
				got := float64(VecDot(typ, n, w, a))
				diff := math.Abs(got - want)
				if diff > 1e-5*mag+1e-30 {
					t.Fatalf("%v n=%d: VecDot = %g, dequantized dot = %g (|diff| %g > 1e-5·%g)", typ, n, got, want, diff, mag)
				}
				if mag > 0 {
					worst[typ] = max(worst[typ], diff/mag)
				}
			}
		}
	}
	for _, typ := range weightTypes {
		t.Logf("%-5v worst |VecDot - dot|/Σ|w·a| = %.2g", typ, worst[typ])
	}
}

// TestVecDotIntegerExact checks that with unit scales the result is the
// exact integer dot product.
func TestVecDotIntegerExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const n = 7 * QK
	w := make([]byte, n/QK*q8_0Bytes)
	a := make([]byte, n/QK*q8_0Bytes)
	w4 := make([]byte, n/QK*q4_0Bytes)
	var want8, want4 int
	for blk := 0; blk < n/QK; blk++ {
		le16(w, blk*q8_0Bytes, hOne)
		le16(a, blk*q8_0Bytes, hOne)
		le16(w4, blk*q4_0Bytes, hOne)
		for j := 0; j < QK; j++ {
			x, y := int8(rng.Uint32()), int8(rng.Uint32())
			w[blk*q8_0Bytes+2+j] = byte(x)
			a[blk*q8_0Bytes+2+j] = byte(y)
			want8 += int(x) * int(y)
			// Q4_0 element j: the low nibble of byte j%16 for j < 16,
			// the high nibble otherwise.
			q := int(rng.IntN(16))
			if j < 16 {
				w4[blk*q4_0Bytes+2+j] |= byte(q)
			} else {
				w4[blk*q4_0Bytes+2+j-16] |= byte(q << 4)
			}
			want4 += (q - 8) * int(y)
		}
	}
	if got := VecDot(Q8_0, n, w, a); got != float32(want8) {
		t.Errorf("Q8_0·Q8_0 = %g, want %d", got, want8)
	}
	if got := VecDot(Q4_0, n, w4, a); got != float32(want4) {
		t.Errorf("Q4_0·Q8_0 = %g, want %d", got, want4)
	}
}

// TestVecDotZeroAndMax checks all-zero blocks and the largest f16 scales.
func TestVecDotZeroAndMax(t *testing.T) {
	for _, typ := range weightTypes {
		act := typ.VecDotType()
		n := max(typ.BlockSize(), act.BlockSize(), QK)
		wb, _ := typ.RowBytes(n)
		ab, _ := act.RowBytes(n)
		if got := VecDot(typ, n, make([]byte, wb), make([]byte, ab)); got != 0 {
			t.Errorf("%v: dot of zero blocks = %g", typ, got)
		}
		if got := VecDot(typ, 0, nil, nil); got != 0 {
			t.Errorf("%v: empty dot = %g", typ, got)
		}
	}
	// Q4_0 with d = 65504 and every q = 0 (value -8·65504), against Q8_0
	// with d = 1 and every q = 1: 32 · (-8·65504) = -16769024.
	w := cat(f16b(hMax), make([]byte, 16))
	a := cat(f16b(hOne), fill(32, 1))
	if got := VecDot(Q4_0, QK, w, a); got != -16769024 {
		t.Errorf("Q4_0 max block = %g, want -16769024", got)
	}
}

func TestVecDotPanics(t *testing.T) {
	for _, c := range []struct {
		name string
		typ  Type
		n    int
		w, a int
	}{
		{"short weights", Q4_0, 64, 35, 68},
		{"short activations", Q4_0, 64, 36, 67},
		{"partial block", Q4_K, 128, 72, 146},
		{"negative n", Q8_0, -32, 0, 0},
		{"unsupported type", Q8_K, 256, 292, 292},
		{"unknown type", Type(99), 1, 1, 1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: VecDot did not panic", c.name)
				}
			}()
			VecDot(c.typ, c.n, make([]byte, c.w), make([]byte, c.a))
		}()
	}
}

func TestNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const n = 2 * QKK
	x := randomRow(rng, n)
	y := make([]float32, n)
	for _, typ := range weightTypes {
		act := typ.VecDotType()
		w := randomWeights(t, rng, typ, n)
		a := quantize(t, act, x)
		if allocs := testing.AllocsPerRun(10, func() { VecDot(typ, n, w, a) }); allocs != 0 {
			t.Errorf("VecDot(%v) allocates %v times", typ, allocs)
		}
		if allocs := testing.AllocsPerRun(10, func() { _ = Dequantize(typ, w, y) }); allocs != 0 {
			t.Errorf("Dequantize(%v) allocates %v times", typ, allocs)
		}
		if allocs := testing.AllocsPerRun(10, func() { _ = Quantize(act, x, a) }); allocs != 0 {
			t.Errorf("Quantize(%v) allocates %v times", act, allocs)
		}
	}
}

func BenchmarkDequantize(b *testing.B) {
	rng := rand.New(rand.NewPCG(19, 20))
	const n = 4096
	y := make([]float32, n)
	for _, typ := range weightTypes {
		w := randomWeights(b, rng, typ, n)
		b.Run(fmt.Sprintf("type=%v/n=%d", typ, n), func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				_ = Dequantize(typ, w, y)
			}
		})
	}
}

func BenchmarkQuantize(b *testing.B) {
	rng := rand.New(rand.NewPCG(21, 22))
	const n = 4096
	x := randomRow(rng, n)
	for _, typ := range []Type{F16, BF16, Q8_0, Q8_1, Q8_K, Q4_0} {
		size, _ := typ.RowBytes(n)
		dst := make([]byte, size)
		b.Run(fmt.Sprintf("type=%v/n=%d", typ, n), func(b *testing.B) {
			b.SetBytes(4 * n)
			for b.Loop() {
				_ = Quantize(typ, x, dst)
			}
		})
	}
}
