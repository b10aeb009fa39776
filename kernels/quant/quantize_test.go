package quant

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// randomRow returns n values whose magnitude varies from block to block
// (32 elements) over several orders of magnitude, with some exact zeros,
// some blocks of a single sign and an occasional all-zero block.
func randomRow(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for b := 0; b < n; b += QK {
		scale := math.Ldexp(1, rng.IntN(20)-10)
		kind := rng.IntN(10)
		for i := b; i < b+QK && i < n; i++ {
			v := rng.NormFloat64() * scale
			switch {
			case kind == 0:
				v = 0
			case kind == 1:
				v = math.Abs(v)
			case kind == 2:
				v = -math.Abs(v)
			case rng.IntN(16) == 0:
				v = 0
			}
			x[i] = float32(v)
		}
	}
	return x
}

func quantize(t testing.TB, typ Type, x []float32) []byte {
	t.Helper()
	n, err := typ.RowBytes(len(x))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, n)
	if err := Quantize(typ, x, b); err != nil {
		t.Fatal(err)
	}
	return b
}

func dequantize(t testing.TB, typ Type, b []byte, n int) []float32 {
	t.Helper()
	y := make([]float32, n)
	if err := Dequantize(typ, b, y); err != nil {
		t.Fatal(err)
	}
	return y
}

// The error bounds below are d/2 per element, where d is the block's scale,
// plus two small terms the reference rounding allows: the scale is rounded
// to f16 after the quants are chosen (so each q·d moves by |q|·|d - f16(d)|),
// and x·(1/d) differs from x/d by a few ulps.

func TestQuantizeQ8_0ErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, typ := range []Type{Q8_0, Q8_1} {
		for iter := 0; iter < 50; iter++ {
			x := randomRow(rng, 7*QK)
			b := quantize(t, typ, x)
			y := dequantize(t, typ, b, len(x))
			for blk := 0; blk < len(x)/QK; blk++ {
				xb, yb := x[blk*QK:(blk+1)*QK], y[blk*QK:(blk+1)*QK]
				d := float64(absMax(xb)) / 127
				d16 := float64(f16At(b, blk*typ.BlockBytes()))
				bound := d/2*(1+1e-5) + 127*math.Abs(d-d16)
				for i := range xb {
					if e := math.Abs(float64(xb[i]) - float64(yb[i])); e > bound {
						t.Fatalf("%v block %d element %d: %g -> %g, error %g > %g (d %g)", typ, blk, i, xb[i], yb[i], e, bound, d)
					}
				}
			}
		}
	}
}

func TestQuantizeQ8_KErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for iter := 0; iter < 50; iter++ {
		x := randomRow(rng, 3*QKK)
		b := quantize(t, Q8_K, x)
		y := dequantize(t, Q8_K, b, len(x))
		for blk := 0; blk < len(x)/QKK; blk++ {
			xb, yb := x[blk*QKK:(blk+1)*QKK], y[blk*QKK:(blk+1)*QKK]
			blockBytes := b[blk*q8_KBytes : (blk+1)*q8_KBytes]
			d := math.Abs(float64(math.Float32frombits(binary.LittleEndian.Uint32(blockBytes))))
			if want := float64(absMax(xb)) / 127; math.Abs(d-want) > 1e-6*want {
				t.Fatalf("Q8_K block %d: |d| = %g, want amax/127 = %g", blk, d, want)
			}
			for i := range xb {
				if e := math.Abs(float64(xb[i]) - float64(yb[i])); e > d/2*(1+1e-5) {
					t.Fatalf("Q8_K block %d element %d: %g -> %g, error %g > d/2 = %g", blk, i, xb[i], yb[i], e, d/2)
				}
			}
			// bsums are the sums of each 16 quants.
			for j := 0; j < 16; j++ {
				var sum int
				for _, q := range blockBytes[4+16*j : 4+16*j+16] {
					sum += int(int8(q))
				}
				if got := int(int16(binary.LittleEndian.Uint16(blockBytes[4+QKK+2*j:]))); got != sum {
					t.Fatalf("Q8_K block %d bsums[%d] = %d, want %d", blk, j, got, sum)
				}
			}
		}
	}
}

func TestQuantize4And5BitErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		typ   Type
		steps float64 // number of quantization steps across the range
		sym   bool    // d = max/-steps/2 (symmetric) or (max-min)/steps
	}{
		{Q4_0, 16, true}, {Q5_0, 32, true}, {Q4_1, 15, false}, {Q5_1, 31, false},
	} {
		for iter := 0; iter < 50; iter++ {
			x := randomRow(rng, 5*QK)
			b := quantize(t, c.typ, x)
			y := dequantize(t, c.typ, b, len(x))
			for blk := 0; blk < len(x)/QK; blk++ {
				xb, yb := x[blk*QK:(blk+1)*QK], y[blk*QK:(blk+1)*QK]
				d16 := math.Abs(float64(f16At(b, blk*c.typ.BlockBytes())))
				var d, slack float64
				if c.sym {
					d = float64(absMax(xb)) / (c.steps / 2)
					slack = c.steps / 2 * math.Abs(d-d16)
				} else {
					lo, hi := minMax(xb)
					d = float64(hi-lo) / c.steps
					m16 := float64(f16At(b, blk*c.typ.BlockBytes()+2))
					slack = c.steps*math.Abs(d-d16) + math.Abs(float64(lo)-m16)
				}
				for i := range xb {
					bound := d/2*(1+1e-5) + slack
					// The symmetric formats have one level fewer on the
					// side opposite the block's signed maximum: values
					// past the last level there (x/d > steps/2 - 1/2)
					// are clamped, with an error up to d.
					if c.sym && float64(xb[i])/(float64(signedMax(xb))/-(c.steps/2)) > c.steps/2-0.5 {
						bound = d*(1+1e-5) + slack
					}
					if e := math.Abs(float64(xb[i]) - float64(yb[i])); e > bound+1e-30 {
						t.Fatalf("%v block %d element %d: %g -> %g, error %g > %g (d %g)", c.typ, blk, i, xb[i], yb[i], e, bound, d)
					}
				}
			}
		}
	}
}

// TestQuantizeRounding pins the reference rounding rules on blocks whose
// scale is exactly 1.
func TestQuantizeRounding(t *testing.T) {
	// Q8_0: amax = 127, so d = 1 and q = roundf(x): halfway away from zero.
	x := make([]float32, QK)
	copy(x, []float32{127, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999997, -126.5, 3.7})
	b := quantize(t, Q8_0, x)
	if d := binary.LittleEndian.Uint16(b); d != hOne {
		t.Fatalf("Q8_0 d = %#04x, want 1.0", d)
	}
	wantQ := []int8{127, 1, -1, 2, 3, -3, 0, -127, 4}
	for i, w := range wantQ {
		if q := int8(b[2+i]); q != w {
			t.Errorf("Q8_0 q(%g) = %d, want %d", x[i], q, w)
		}
	}
	// Q8_1: the same quants, and s = d·Σq = 127+1-1+2+3-3+0-127+4 = 6.
	b1 := quantize(t, Q8_1, x)
	if s := f16At(b1, 2); s != 6 {
		t.Errorf("Q8_1 s = %g, want 6", s)
	}
	for i, w := range wantQ {
		if q := int8(b1[4+i]); q != w {
			t.Errorf("Q8_1 q(%g) = %d, want %d", x[i], q, w)
		}
	}

	// Q8_K: the signed maximum -127 gives iscale = -127/-127 = 1 and d = 1;
	// rounding is to nearest even.
	xk := make([]float32, QKK)
	copy(xk, []float32{-127, 0.5, 1.5, 2.5, -2.5, -0.5, 126.5, 3.2})
	bk := quantize(t, Q8_K, xk)
	if d := math.Float32frombits(binary.LittleEndian.Uint32(bk)); d != 1 {
		t.Fatalf("Q8_K d = %g, want 1", d)
	}
	wantK := []int8{-127, 0, 2, 2, -2, 0, 126, 3}
	for i, w := range wantK {
		if q := int8(bk[4+i]); q != w {
			t.Errorf("Q8_K q(%g) = %d, want %d", xk[i], q, w)
		}
	}
	if s := int16(binary.LittleEndian.Uint16(bk[4+QKK:])); s != -127+2+2-2+126+3 {
		t.Errorf("Q8_K bsums[0] = %d, want %d", s, -127+2+2-2+126+3)
	}
	// A positive signed maximum gives a negative d: 127 becomes q = -127.
	xk[0] = 127
	bk = quantize(t, Q8_K, xk)
	if d := math.Float32frombits(binary.LittleEndian.Uint32(bk)); d != -1 {
		t.Errorf("Q8_K d = %g, want -1", d)
	}
	if q := int8(bk[4]); q != -127 {
		t.Errorf("Q8_K q(127) = %d, want -127", q)
	}

	// Q4_0: the signed maximum -8 gives d = -8/-8 = 1, q = trunc(x + 8.5)
	// clamped to 15: x = 0.5 → 9, x = -0.5 → 8 (halfway rounds up), and
	// x = 7.6 → 16 → 15.
	x4 := make([]float32, QK)
	copy(x4, []float32{-8, 0.5, -0.5, 7.6, 7.4, 3, -3.5})
	b4 := quantize(t, Q4_0, x4)
	if d := binary.LittleEndian.Uint16(b4); d != hOne {
		t.Fatalf("Q4_0 d = %#04x, want 1.0", d)
	}
	want4 := []byte{0, 9, 8, 15, 15, 11, 5}
	for i, w := range want4 {
		if q := b4[2+i] & 0x0f; q != w {
			t.Errorf("Q4_0 q(%g) = %d, want %d", x4[i], q, w)
		}
	}
	// Elements 16.. are zeros: q = 8 in the high nibbles.
	if b4[2]>>4 != 8 {
		t.Errorf("Q4_0 q(0) = %d, want 8", b4[2]>>4)
	}
}

func TestQuantizeZeroBlocks(t *testing.T) {
	for _, c := range []struct {
		typ  Type
		want func(b []byte) bool
	}{
		{Q8_0, allZero},
		{Q8_1, allZero},
		{Q8_K, allZero},
		{Q5_1, allZero},
		{Q4_1, allZero},
		// The signed maximum is 0, so d = 0/-8 = -0 (f16 0x8000, as in
		// ggml), and every q = trunc(0 + 8.5) = 8.
		{Q4_0, func(b []byte) bool { return b[0] == 0 && b[1] == 0x80 && allEqual(b[2:], 0x88) }},
		// d = -0, every q = 16: low nibbles 0, all qh bits set.
		{Q5_0, func(b []byte) bool {
			return b[0] == 0 && b[1] == 0x80 && allEqual(b[2:6], 0xff) && allZero(b[6:])
		}},
	} {
		n := c.typ.BlockSize()
		b := make([]byte, c.typ.BlockBytes())
		for i := range b {
			b[i] = 0xa5 // must be overwritten
		}
		if err := Quantize(c.typ, make([]float32, n), b); err != nil {
			t.Fatal(err)
		}
		if !c.want(b) {
			t.Errorf("%v of zeros = % x", c.typ, b)
		}
		y := dequantize(t, c.typ, b, n)
		for i, v := range y {
			if v != 0 {
				t.Fatalf("%v of zeros dequantizes to %g at %d", c.typ, v, i)
			}
		}
	}
}

func allZero(b []byte) bool { return allEqual(b, 0) }

func allEqual(b []byte, v byte) bool {
	for _, x := range b {
		if x != v {
			return false
		}
	}
	return true
}

func TestQuantizeFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x := randomRow(rng, 64)
	x[0] = float32(math.Inf(-1))
	for _, typ := range []Type{F32, F16, BF16} {
		b := quantize(t, typ, x)
		y := dequantize(t, typ, b, len(x))
		for i := range x {
			var want float32
			switch typ {
			case F32:
				want = x[i]
			case F16:
				want = F16ToF32(F32ToF16(x[i]))
			case BF16:
				want = BF16ToF32(F32ToBF16(x[i]))
			}
			if y[i] != want {
				t.Fatalf("%v element %d: %g -> %g, want %g", typ, i, x[i], y[i], want)
			}
		}
	}
}

func TestQuantizeErrors(t *testing.T) {
	for _, c := range []struct {
		typ      Type
		n, bytes int
	}{
		{Q8_0, 31, 34},
		{Q8_0, 32, 33},
		{Q8_K, 256, 291},
		{Q8_K, 128, 146},
		{F16, 3, 4},
	} {
		if err := Quantize(c.typ, make([]float32, c.n), make([]byte, c.bytes)); err == nil {
			t.Errorf("Quantize(%v, %d elements, %d bytes) succeeded", c.typ, c.n, c.bytes)
		}
	}
	for _, typ := range []Type{Q2_K, Q3_K, I8, Type(99)} {
		err := Quantize(typ, nil, nil)
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("Quantize(%v) error = %v, want ErrUnsupported", typ, err)
		}
	}
}

// TestQuantizeNonFinite checks that NaN and Inf inputs do not panic.
func TestQuantizeNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, typ := range []Type{F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q8_K} {
		for _, v := range []float32{nan, inf, -inf} {
			x := make([]float32, 2*QKK)
			x[3] = v
			x[QKK+1] = 1
			quantize(t, typ, x)
		}
	}
}
