package quant

import (
	"math"
	"math/rand/v2"
	"testing"
)

// halfValue computes the value of a finite half bit pattern from the
// definition: (-1)^s · m·2^-24 for exponent 0, (-1)^s · (1024+m)·2^(e-25)
// otherwise.
func halfValue(h uint16) float64 {
	s, e, m := h>>15, int(h>>10&0x1f), float64(h&0x3ff)
	var v float64
	if e == 0 {
		v = math.Ldexp(m, -24)
	} else {
		v = math.Ldexp(1024+m, e-25)
	}
	if s == 1 {
		v = -v
	}
	return v
}

func isHalfNaN(h uint16) bool { return h&0x7c00 == 0x7c00 && h&0x3ff != 0 }

func TestF16Constants(t *testing.T) {
	for _, c := range []struct {
		h uint16
		f float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xbc00, -1},
		{0x3800, 0.5},
		{0x4000, 2},
		{0x3555, 0.333251953125},
		{0x7bff, 65504},
		{0xfbff, -65504},
		{0x0400, 0x1p-14},              // smallest normal
		{0x03ff, 1023 * 0x1p-24},       // largest subnormal
		{0x0001, 0x1p-24},              // smallest subnormal
		{0x8001, -0x1p-24},             // negative subnormal
		{0x7c00, float32(math.Inf(1))}, // +Inf
		{0xfc00, float32(math.Inf(-1))},
	} {
		if got := F16ToF32(c.h); got != c.f {
			t.Errorf("F16ToF32(%#04x) = %g, want %g", c.h, got, c.f)
		}
		if got := F32ToF16(c.f); got != c.h {
			t.Errorf("F32ToF16(%g) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	negZero := float32(math.Copysign(0, -1))
	if got := F32ToF16(negZero); got != 0x8000 {
		t.Errorf("F32ToF16(-0) = %#04x, want 0x8000", got)
	}
	if got := F16ToF32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("F16ToF32(0x8000) = %g, want -0", got)
	}
	if got := F32ToF16(float32(math.NaN())); !isHalfNaN(got) {
		t.Errorf("F32ToF16(NaN) = %#04x, want a NaN", got)
	}
	// A float32 NaN whose payload lies only in the low 13 bits must not
	// turn into infinity.
	if got := F32ToF16(math.Float32frombits(0x7f800001)); !isHalfNaN(got) {
		t.Errorf("F32ToF16(sNaN 0x7f800001) = %#04x, want a NaN", got)
	}
}

func TestF16Exhaustive(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := F16ToF32(h)
		if isHalfNaN(h) {
			if !math.IsNaN(float64(f)) {
				t.Fatalf("F16ToF32(%#04x) = %g, want NaN", h, f)
			}
			if back := F32ToF16(f); !isHalfNaN(back) || back&0x8000 != h&0x8000 {
				t.Fatalf("F32ToF16(F16ToF32(%#04x)) = %#04x, want a NaN of the same sign", h, back)
			}
			continue
		}
		if h&0x7fff == 0x7c00 {
			if !math.IsInf(float64(f), 0) || math.Signbit(float64(f)) != (h>>15 == 1) {
				t.Fatalf("F16ToF32(%#04x) = %g, want ±Inf", h, f)
			}
		} else if want := float32(halfValue(h)); math.Float32bits(f) != math.Float32bits(want) {
			t.Fatalf("F16ToF32(%#04x) = %g, want %g", h, f, want)
		}
		if back := F32ToF16(f); back != h {
			t.Fatalf("F32ToF16(F16ToF32(%#04x)) = %#04x", h, back)
		}
	}
}

// TestF32ToF16Halfway checks every midpoint between two neighbouring
// positive halves, and the float32 neighbours of each midpoint.
func TestF32ToF16Halfway(t *testing.T) {
	for h := uint16(0); h < 0x7c00; h++ {
		lo, hi := halfValue(h), halfValue(h+1)
		if h == 0x7bff {
			hi = 65536 // the next value of the exponent range, which is Inf
		}
		mid := float32((lo + hi) / 2) // exact: a 12-bit significand
		even := h
		if h&1 == 1 {
			even = h + 1
		}
		if got := F32ToF16(mid); got != even {
			t.Fatalf("F32ToF16(%g) midway between %#04x and %#04x = %#04x, want %#04x", mid, h, h+1, got, even)
		}
		if got := F32ToF16(-mid); got != even|0x8000 {
			t.Fatalf("F32ToF16(%g) = %#04x, want %#04x", -mid, got, even|0x8000)
		}
		below := math.Nextafter32(mid, 0)
		if got := F32ToF16(below); got != h {
			t.Fatalf("F32ToF16(%g) just below the midpoint = %#04x, want %#04x", below, got, h)
		}
		above := math.Nextafter32(mid, float32(math.Inf(1)))
		if got := F32ToF16(above); got != h+1 {
			t.Fatalf("F32ToF16(%g) just above the midpoint = %#04x, want %#04x", above, got, h+1)
		}
	}
	for _, c := range []struct {
		f float32
		h uint16
	}{
		{65519.998, 0x7bff},
		{65520, 0x7c00}, // halfway to 65536: ties to even (Inf)
		{1e6, 0x7c00},
		{math.MaxFloat32, 0x7c00},
		{0x1p-25, 0x0000}, // halfway to the smallest subnormal: even is 0
		{3 * 0x1p-25, 0x0002},
		{0x1p-26, 0x0000},
		{math.SmallestNonzeroFloat32, 0x0000},
		{-math.SmallestNonzeroFloat32, 0x8000},
	} {
		if got := F32ToF16(c.f); got != c.h {
			t.Errorf("F32ToF16(%g) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
}

// TestF32ToF16Nearest checks on random float32 values that the result is a
// nearest half: no neighbour is closer.
func TestF32ToF16Nearest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		f := float32(math.Ldexp(rng.Float64()*2-1, rng.IntN(42)-26))
		h := F32ToF16(f)
		if h&0x7fff >= 0x7c00 {
			t.Fatalf("F32ToF16(%g) = %#04x, not finite", f, h)
		}
		err := math.Abs(halfValue(h) - float64(f))
		for _, n := range []uint16{h - 1, h + 1} {
			if n&0x7fff >= 0x7c00 { // not a finite neighbour
				continue
			}
			if e := math.Abs(halfValue(n) - float64(f)); e < err {
				t.Fatalf("F32ToF16(%g) = %#04x (error %g) but %#04x is closer (%g)", f, h, err, n, e)
			}
		}
	}
}

func TestBF16(t *testing.T) {
	for _, c := range []struct {
		h uint16
		f float32
	}{
		{0x0000, 0},
		{0x3f80, 1},
		{0xbf80, -1},
		{0x4049, 3.140625},
		{0x7f7f, 0x1.fep127},
		{0x0001, 0x1p-133}, // smallest subnormal
		{0x7f80, float32(math.Inf(1))},
		{0xff80, float32(math.Inf(-1))},
	} {
		if got := BF16ToF32(c.h); got != c.f {
			t.Errorf("BF16ToF32(%#04x) = %g, want %g", c.h, got, c.f)
		}
		if got := F32ToBF16(c.f); got != c.h {
			t.Errorf("F32ToBF16(%g) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	for _, c := range []struct {
		u uint32 // float32 bits
		h uint16
	}{
		{0x3f808000, 0x3f80}, // halfway, kept part even: down
		{0x3f818000, 0x3f82}, // halfway, kept part odd: up
		{0x3f808001, 0x3f81}, // above halfway: up
		{0x3f807fff, 0x3f80}, // below halfway: down
		{0x7f7fffff, 0x7f80}, // the largest float32 rounds to Inf
		{0x00008000, 0x0000}, // subnormal halfway: even
		{0x00018000, 0x0002}, // subnormal halfway: up to even
		{0x80000000, 0x8000}, // -0
		{0x7f800001, 0x7fc0}, // NaN with a low payload stays NaN, quiet
		{0xffc12345, 0xffc1}, // quiet NaN keeps sign and top payload
	} {
		if got := F32ToBF16(math.Float32frombits(c.u)); got != c.h {
			t.Errorf("F32ToBF16(bits %#08x) = %#04x, want %#04x", c.u, got, c.h)
		}
	}
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := BF16ToF32(h)
		back := F32ToBF16(f)
		if math.IsNaN(float64(f)) {
			if back&0x7f80 != 0x7f80 || back&0x7f == 0 {
				t.Fatalf("F32ToBF16(BF16ToF32(%#04x)) = %#04x, want a NaN", h, back)
			}
			continue
		}
		if back != h {
			t.Fatalf("F32ToBF16(BF16ToF32(%#04x)) = %#04x", h, back)
		}
	}
}
