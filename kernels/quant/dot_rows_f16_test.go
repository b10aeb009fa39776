package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"sovra/kernels/internal/impl"
	"sovra/kernels/internal/kerneltest"
)

// The DotRows tests of F16, BF16 and F32 weights, whose tile kernels
// (amd64) handle any
// n: row lengths that are not multiples of the 16-element vectors, every
// number of weight rows 1..33 and of activation rows 1..13 (so every
// partial tile and block), inputs against guard pages and at odd offsets,
// and guard elements around the output (checkRowsCase). The tolerance
// against the pure-Go definition, which sums the exact products in
// float64, is VecDot's (dotTolerance):
//
//	|got − want| ≤ (2·n/32 + 16)·2⁻²⁴·M + n·2⁻¹⁴⁹,   M = Σ|wᵢ·aᵢ|
//
// (the kernels sum in 16 float32 lanes: at most n/16 + 15 roundings on the
// way of each product, one more for F32), and bit-exact equality when
// every partial sum is exact (TestDotRowsF16Exact).

// floatRowsTypes are the weight types of the float tile kernels.
var floatRowsTypes = []Type{F16, BF16, F32}

// floatRowBytes returns the bytes of a row of n elements of typ.
func floatRowBytes(typ Type, n int) int {
	rb, _ := typ.RowBytes(n)
	return rb
}

// f16RowLengths are the row lengths of the F16 tests: below, at and around
// multiples of 16, and long ones with tails.
var f16RowLengths = []int{1, 2, 7, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 255, 257, 1000, 2055}

// TestDotRowsF16Shapes checks every implementation against the definition
// for every float type, every number of weight rows 1..33 and activation
// rows 1..13, with row lengths drawn from f16RowLengths.
func TestDotRowsF16Shapes(t *testing.T) {
	for _, typ := range floatRowsTypes {
		t.Run(typ.String(), func(t *testing.T) { testDotRowsFloatShapes(t, typ) })
	}
}

func testDotRowsFloatShapes(t *testing.T, typ Type) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(61, 62))
		gw := kerneltest.NewGuarded(t, 256<<10)
		ga := kerneltest.NewGuarded(t, 256<<10)
		atEnd := func(w, a []byte) ([]byte, []byte) { return gw.AtEnd(w), ga.AtEnd(a) }
		atStart := func(w, a []byte) ([]byte, []byte) { return gw.AtStart(w), ga.AtStart(a) }
		for wRows := 1; wRows <= 33; wRows++ {
			for aRows := 1; aRows <= 13; aRows++ {
				n := f16RowLengths[rng.IntN(len(f16RowLengths))]
				if floatRowBytes(typ, wRows*n) > 128<<10 || floatRowBytes(typ, aRows*n) > 128<<10 {
					n = 257
				}
				kind := []string{"random", "quantized", "extreme"}[rng.IntN(3)]
				c := makeRowsCase(t, rng, kind, typ, n, wRows, aRows)
				gap := rng.IntN(4)
				checkRowsCase(t, c, gap, atEnd, "guard page after")
				checkRowsCase(t, c, gap, atStart, "guard page before")
				off := 1 + rng.IntN(3)
				checkRowsCase(t, c, gap, func(w, a []byte) ([]byte, []byte) {
					return placeAt(w, off), placeAt(a, 4-off)
				}, fmt.Sprintf("offsets %d, %d", off, 4-off))
			}
		}
		// Every row length, and the other kinds of input, on a few shapes.
		for _, n := range f16RowLengths {
			for _, kind := range dotKinds {
				for _, s := range [][2]int{{1, 1}, {5, 7}, {9, 13}} {
					c := makeRowsCase(t, rng, kind, typ, n, s[0], s[1])
					checkRowsCase(t, c, 1, atEnd, "guard page after")
				}
			}
		}
	})
}

// floatInts returns n random integers in -bound..bound, of type typ (F16,
// BF16 or F32).
func floatInts(rng *rand.Rand, typ Type, n, bound int) []byte {
	b := make([]byte, floatRowBytes(typ, n))
	for i := range n {
		x := float32(rng.IntN(2*bound+1) - bound)
		switch typ {
		case F16:
			binary.LittleEndian.PutUint16(b[2*i:], F32ToF16(x))
		case BF16:
			binary.LittleEndian.PutUint16(b[2*i:], F32ToBF16(x))
		default:
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
	}
	return b
}

// TestDotRowsF16Exact checks that with small integers, where every sum is
// exact, every implementation equals the definition bit for bit, for every
// float type.
func TestDotRowsF16Exact(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(63, 64))
		for _, typ := range floatRowsTypes {
			for _, n := range f16RowLengths {
				wRows, aRows := 1+rng.IntN(9), 1+rng.IntN(13)
				w, a := floatInts(rng, typ, wRows*n, 64), floatInts(rng, typ, aRows*n, 64)
				rb := floatRowBytes(typ, n)
				out := make([]float32, aRows*wRows)
				DotRows(typ, n, out, wRows, w, wRows, a, aRows)
				for r := range aRows {
					for i := range wRows {
						want := vecDotGeneric(typ, n, w[i*rb:(i+1)*rb], a[r*rb:(r+1)*rb])
						if got := out[r*wRows+i]; math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("%v n=%d %dx%d: weight row %d, activation row %d: %g, definition %g", typ, n, aRows, wRows, i, r, got, want)
						}
					}
				}
			}
		}
	})
}

// TestDotRowsF16BatchInvariant checks, bit for bit, that every pair of
// rows gets the same result from DotRows alone (one weight row, one
// activation row: decoding), in the whole batch, and in sub-batches that
// put it at every place of a tile and of a block of activation rows, for
// every float type.
func TestDotRowsF16BatchInvariant(t *testing.T) {
	for _, typ := range floatRowsTypes {
		t.Run(typ.String(), func(t *testing.T) { testDotRowsFloatBatchInvariant(t, typ) })
	}
}

func testDotRowsFloatBatchInvariant(t *testing.T, typ Type) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(65, 66))
		for _, n := range []int{15, 16, 33, 100, 1000} {
			const wRows, aRows = 37, 13
			c := makeRowsCase(t, rng, "quantized", typ, n, wRows, aRows)
			rb := floatRowBytes(typ, n)
			out := make([]float32, aRows*wRows)
			DotRows(typ, n, out, wRows, c.w, wRows, c.a, aRows)
			for r := range aRows {
				for i := range wRows {
					var one [1]float32
					DotRows(typ, n, one[:], 1, c.w[i*rb:(i+1)*rb], 1, c.a[r*rb:(r+1)*rb], 1)
					if got, want := one[0], out[r*wRows+i]; math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("%v n=%d: weight row %d, activation row %d: %g alone, %g in a batch", typ, n, i, r, got, want)
					}
				}
			}
			for range 40 {
				i0, r0 := rng.IntN(wRows), rng.IntN(aRows)
				nw, na := 1+rng.IntN(wRows-i0), 1+rng.IntN(aRows-r0)
				sub := make([]float32, na*nw)
				DotRows(typ, n, sub, nw, c.w[i0*rb:(i0+nw)*rb], nw, c.a[r0*rb:(r0+na)*rb], na)
				for r := range na {
					for i := range nw {
						if got, want := sub[r*nw+i], out[(r0+r)*wRows+i0+i]; math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("%v n=%d: weight row %d, activation row %d: %g in rows %d+%d × %d+%d, %g in the whole batch",
								typ, n, i0+i, r0+r, got, i0, nw, r0, na, want)
						}
					}
				}
			}
		}
	})
}

// TestDotRowsF16SameAcrossImpls checks that the SIMD implementations give
// F16, BF16 and F32 the same bits (AVX2 sums the same 16 lanes in the same
// order as AVX-512; see dot_rows_f16_amd64.go). Implementations without
// float tile kernels are not compared.
func TestDotRowsF16SameAcrossImpls(t *testing.T) {
	var names []string
	for _, name := range impl.All("quant") {
		if name == "avx2" || name == "avx512" {
			if restore, err := impl.Select("quant", name); err == nil {
				restore()
				names = append(names, name)
			}
		}
	}
	if len(names) < 2 {
		t.Skip("fewer than two implementations with float tile kernels on this CPU")
	}
	rng := rand.New(rand.NewPCG(67, 68))
	for _, typ := range floatRowsTypes {
		for _, n := range f16RowLengths {
			const wRows, aRows = 7, 9
			c := makeRowsCase(t, rng, "random", typ, n, wRows, aRows)
			var first []float32
			for _, name := range names {
				restore, _ := impl.Select("quant", name)
				out := make([]float32, aRows*wRows)
				DotRows(typ, n, out, wRows, c.w, wRows, c.a, aRows)
				restore()
				if first == nil {
					first = out
					continue
				}
				for k := range out {
					if math.Float32bits(out[k]) != math.Float32bits(first[k]) {
						t.Fatalf("%v n=%d: result %d: %s %g, %s %g", typ, n, k, names[0], first[k], name, out[k])
					}
				}
			}
		}
	}
}
