package quant

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"sovra/kernels/internal/impl"
	"sovra/kernels/internal/kerneltest"
)

// The equivalence tests of Quantize's SIMD kernels (quantize_amd64.go):
// under every implementation of kernels/internal/impl, Quantize must give
// exactly the bytes of the pure-Go definition (quantizers) for the
// activation types Q8_0, Q8_1, Q8_K and F16.

// simdQuantTypes are the types that have SIMD quantizers.
var simdQuantTypes = []Type{Q8_0, Q8_1, Q8_K, F16}

// quantRef returns the definition's encoding of x as typ.
func quantRef(t testing.TB, typ Type, x []float32) []byte {
	t.Helper()
	n, err := typ.RowBytes(len(x))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, n)
	quantizers(typ)(x, b)
	return b
}

// checkQuantize quantizes x with Quantize into a buffer with guard bytes on
// both sides, starting at byte offset off, and compares with the definition.
func checkQuantize(t *testing.T, typ Type, x []float32, off int, what string) bool {
	t.Helper()
	want := quantRef(t, typ, x)
	const guard = 64
	buf := make([]byte, guard+off+len(want)+guard)
	for i := range buf {
		buf[i] = 0xa5
	}
	dst := buf[guard+off : guard+off+len(want) : guard+off+len(want)]
	if err := Quantize(typ, x, dst); err != nil {
		t.Fatalf("%v %s: %v", typ, what, err)
	}
	for i, c := range buf {
		if (i < guard+off || i >= guard+off+len(want)) && c != 0xa5 {
			t.Errorf("%v %s (n=%d, off=%d): byte %d outside dst changed", typ, what, len(x), off, i-guard-off)
			return false
		}
	}
	if !bytes.Equal(dst, want) {
		i := 0
		for dst[i] == want[i] {
			i++
		}
		t.Errorf("%v %s (n=%d, off=%d): byte %d = %#02x, want %#02x", typ, what, len(x), off, i, dst[i], want[i])
		return false
	}
	return true
}

// quantCases returns named inputs of n elements (n a multiple of 256) that
// exercise the kernels' edge cases.
func quantCases(rng *rand.Rand, n int) map[string][]float32 {
	cs := map[string][]float32{}
	cs["random"] = randomRow(rng, n)
	wide := make([]float32, n)
	for i := range wide {
		wide[i] = float32(rng.NormFloat64() * math.Ldexp(1, rng.IntN(80)-40))
	}
	cs["wide"] = wide
	cs["zeros"] = make([]float32, n)
	negz := make([]float32, n)
	for i := range negz {
		negz[i] = float32(math.Copysign(0, -1))
	}
	cs["negzeros"] = negz
	equal := make([]float32, n)
	for i := range equal {
		equal[i] = -1.75
	}
	cs["equal"] = equal
	// Ties: integers and halves times a power-of-two scale, with ±127
	// present, so that x·(1/d) and x·(-127/m) land exactly on .5.
	ties := make([]float32, n)
	for i := range ties {
		s := float32(math.Ldexp(1, rng.IntN(16)-8))
		ties[i] = float32(rng.IntN(255)-127) / 2 * s
		if i%32 == 0 {
			ties[i] = 127 * s
		}
		if i%256 == 7 {
			ties[i] = -127 * s
		}
	}
	cs["ties"] = ties
	// Blocks with maximum 127, so that 1/d = 1 and -127/m = -1, and the
	// other elements at k+0.5 and its float32 neighbours for every k.
	near := make([]float32, n)
	for i := range near {
		k := float32(rng.IntN(127))
		v := k + 0.5
		switch rng.IntN(3) {
		case 0:
			v = math.Nextafter32(v, 0)
		case 1:
			v = math.Nextafter32(v, 200)
		}
		if rng.IntN(2) == 0 {
			v = -v
		}
		near[i] = v
		if i%32 == 0 {
			near[i] = 127
		}
	}
	near[1], near[2], near[3] = 0.5, math.Nextafter32(0.5, 0), -math.Nextafter32(0.5, 0)
	cs["nearties"] = near
	// Signed maxima that tie in magnitude, with either sign first.
	pm := make([]float32, n)
	for i := range pm {
		pm[i] = float32(rng.NormFloat64())
		if i%97 == 5 || i%89 == 3 {
			pm[i] = 1000
			if rng.IntN(2) == 0 {
				pm[i] = -1000
			}
		}
	}
	cs["signedties"] = pm
	huge := make([]float32, n)
	for i := range huge {
		huge[i] = float32(rng.NormFloat64() * 1e37)
	}
	huge[3] = math.MaxFloat32
	huge[300%n] = -math.MaxFloat32
	cs["huge"] = huge
	// Tiny and subnormal values: the scale underflows, 1/d may overflow.
	for _, e := range []int{-100, -120, -126, -135, -145, -149} {
		tiny := make([]float32, n)
		for i := range tiny {
			tiny[i] = float32(rng.NormFloat64() * math.Ldexp(1, e))
		}
		cs[fmt.Sprintf("tiny2^%d", e)] = tiny
	}
	bits := make([]float32, n)
	for i := range bits {
		bits[i] = math.Float32frombits(rng.Uint32()&^(0xff<<23) | uint32(rng.IntN(255))<<23)
	}
	cs["randombits"] = bits
	return cs
}

func TestQuantizeImpls(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, typ := range simdQuantTypes {
			// Every multiple of the block size up to several vector
			// widths times the unrolling, then some large rows.
			bs := typ.BlockSize()
			var ns []int
			if bs == 1 {
				for n := 0; n <= 80; n++ {
					ns = append(ns, n)
				}
			} else {
				for n := 0; n <= 8*QKK && n <= 40*bs; n += bs {
					ns = append(ns, n)
				}
			}
			ns = append(ns, 4096, 11008)
			for _, n := range ns {
				x := randomRow(rng, n)
				checkQuantize(t, typ, x, n%5, "random")
				// An unaligned source.
				y := make([]float32, n+1)
				copy(y[1:], x)
				checkQuantize(t, typ, y[1:], 0, "unaligned")
			}
			for name, x := range quantCases(rng, 2*QKK) {
				checkQuantize(t, typ, x, 1, name)
			}
		}
	})
}

// TestQuantizeImplsNonFinite checks NaN and ±Inf inputs (which the kernels
// hand to the definition) in every position of a block.
func TestQuantizeImplsNonFinite(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(3, 4))
		specials := []float32{
			float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
			math.Float32frombits(0xff800001), math.Float32frombits(0x7fffffff),
		}
		for _, typ := range simdQuantTypes {
			for _, v := range specials {
				for _, pos := range []int{0, 1, 31, 32, 255, 256, 511} {
					x := randomRow(rng, 2*QKK)
					x[pos] = v
					checkQuantize(t, typ, x, 0, fmt.Sprintf("%g at %d", v, pos))
				}
			}
		}
	})
}

// TestQuantizeImplsF16 checks F16 against F32ToF16 for every float32 whose
// low 16 bits are one of several patterns around the rounding boundaries,
// with every high half: all exponents, signs, NaNs, Infs and subnormals.
// QUANT_F16_EXHAUSTIVE=1 checks all 2^32 float32 values instead.
func TestQuantizeImplsF16(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		lows := []uint32{0, 1, 0x0fff, 0x1000, 0x1001, 0x1fff, 0x2000, 0x3000, 0x7fff, 0x8000, 0x8001, 0xffff, 0x5a5a}
		step := uint32(1)
		count := 1 << 16 * len(lows)
		exhaustive := os.Getenv("QUANT_F16_EXHAUSTIVE") == "1"
		if exhaustive {
			count = 1 << 20
		}
		src := make([]float32, count)
		got := make([]byte, 2*count)
		want := make([]byte, 2*count)
		check := func() {
			if err := Quantize(F16, src, got); err != nil {
				t.Fatal(err)
			}
			quantF16(src, want)
			if !bytes.Equal(got, want) {
				for i := 0; i < len(got); i += 2 {
					if got[i] != want[i] || got[i+1] != want[i+1] {
						t.Fatalf("F16 of %#08x = %#02x%02x, want %#02x%02x", math.Float32bits(src[i/2]),
							got[i+1], got[i], want[i+1], want[i])
					}
				}
			}
		}
		if exhaustive {
			for hi := uint64(0); hi < 1<<32; hi += uint64(count) {
				for i := range src {
					src[i] = math.Float32frombits(uint32(hi) + uint32(i)*step)
				}
				check()
			}
			return
		}
		for h := 0; h < 1<<16; h++ {
			for j, lo := range lows {
				src[h*len(lows)+j] = math.Float32frombits(uint32(h)<<16 | lo)
			}
		}
		check()
	})
}

// BenchmarkQuantizeImpls times Quantize of one row of 2048 elements and of a
// batch of 64 such rows, for each activation type and implementation.
func BenchmarkQuantizeImpls(b *testing.B) {
	const n = 2048
	rng := rand.New(rand.NewPCG(5, 6))
	for _, typ := range simdQuantTypes {
		for _, rows := range []int{1, 64} {
			x := make([]float32, rows*n)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			rb, _ := typ.RowBytes(n)
			dst := make([]byte, rows*rb)
			for _, name := range impl.All("quant") {
				b.Run(fmt.Sprintf("%v/rows=%d/impl=%s", typ, rows, name), func(b *testing.B) {
					kerneltest.Select(b, "quant", name)
					b.SetBytes(int64(4 * len(x)))
					for b.Loop() {
						for r := range rows {
							if err := Quantize(typ, x[r*n:(r+1)*n], dst[r*rb:(r+1)*rb]); err != nil {
								b.Fatal(err)
							}
						}
					}
				})
			}
		}
	}
}
