package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"sovra/kernels/internal/impl"
	"sovra/kernels/internal/kerneltest"
)

// The equivalence tests of DotRows: every implementation, for every weight
// type, against one vecDotGeneric per pair of rows, within the tolerance of
// VecDot (dot_impl_test.go), bit for bit under "generic". The shapes cover
// tiles of weight rows that are partial (1..5), whole (16) and one row
// over (17, 33), activation rows 1..9 and enough to need several chunks,
// outputs with and without gaps between rows, and inputs against guard
// pages and at odd offsets.

// rowsCase is one input of the DotRows tests: wRows weight rows and aRows
// activation rows of n elements.
type rowsCase struct {
	kind         string
	typ          Type
	n            int
	wRows, aRows int
	w, a         []byte
}

// makeRowsCase returns a case of the given kind (see dotKinds).
func makeRowsCase(t testing.TB, rng *rand.Rand, kind string, typ Type, n, wRows, aRows int) rowsCase {
	c := rowsCase{kind: kind, typ: typ, n: n, wRows: wRows, aRows: aRows}
	for range wRows {
		c.w = append(c.w, makeDotCase(t, rng, kind, typ, n).w...)
	}
	for range aRows {
		c.a = append(c.a, makeDotCase(t, rng, kind, typ, n).a...)
	}
	return c
}

// rowsSentinel marks the elements of out that DotRows must not write.
var rowsSentinel = float32(math.Inf(-1))

// checkRowsCase runs DotRows on c (as currently dispatched) with an output
// stride of wRows+gap and the inputs placed by place, and compares every
// result with the definition; the gaps and the guard elements around the
// output must keep their sentinel. Where the weights have a packed layout
// it checks DotPacked on them packed in the same way.
func checkRowsCase(t *testing.T, c rowsCase, gap int, place func(w, a []byte) ([]byte, []byte), where string) {
	t.Helper()
	checkRowsResults(t, c, gap, where, func(out []float32, stride int) {
		w, a := place(c.w, c.a)
		DotRows(c.typ, c.n, out, stride, w, c.wRows, a, c.aRows)
	})
	if Packable(c.typ, c.n) {
		p := pack(t, c.typ, c.n, c.w, c.wRows)
		checkRowsResults(t, c, gap, where+", packed", func(out []float32, stride int) {
			w, a := place(p, c.a)
			DotPacked(c.typ, c.n, out, stride, w, c.wRows, a, c.aRows)
		})
	}
}

// pack returns the rows rows of n elements of type t in w in the packed
// layout.
func pack(t testing.TB, typ Type, n int, w []byte, rows int) []byte {
	size, err := PackedBytes(typ, n, rows)
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, size)
	Pack(typ, n, p, w, rows)
	return p
}

// checkRowsResults runs dot, which computes c's products into out with the
// given output stride, and checks the results as checkRowsCase says.
func checkRowsResults(t *testing.T, c rowsCase, gap int, where string, dot func(out []float32, stride int)) {
	t.Helper()
	stride := c.wRows + gap
	const guard = 5
	size := guard + (c.aRows-1)*stride + c.wRows + guard
	buf := make([]float32, size)
	for i := range buf {
		buf[i] = rowsSentinel
	}
	out := buf[guard : size-guard : size-guard]
	dot(out, stride)

	wb, _ := c.typ.RowBytes(c.n)
	ab, _ := c.typ.VecDotType().RowBytes(c.n)
	generic := impl.Active("quant") == impl.Generic
	for j, got := range buf {
		k := j - guard
		r, i := k/stride, k%stride
		if k < 0 || r >= c.aRows || i >= c.wRows {
			if math.Float32bits(got) != math.Float32bits(rowsSentinel) {
				t.Fatalf("%v %s n=%d %dx%d stride %d (%s): DotRows wrote %g at out[%d], outside the results",
					c.typ, c.kind, c.n, c.aRows, c.wRows, stride, where, got, k)
			}
			continue
		}
		wr, ar := c.w[i*wb:(i+1)*wb], c.a[r*ab:(r+1)*ab]
		want := vecDotGeneric(c.typ, c.n, wr, ar)
		if generic {
			if math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("%v %s n=%d %dx%d (%s): generic result for weight row %d, activation row %d = %g, definition %g",
					c.typ, c.kind, c.n, c.aRows, c.wRows, where, i, r, got, want)
			}
			continue
		}
		mag := dotMagnitude(t, c.typ, c.n, wr, ar)
		if math.IsNaN(mag) || math.IsInf(mag, 0) || mag*2 > math.MaxFloat32 {
			continue // nothing to bound (see checkDotCase)
		}
		if diff := math.Abs(float64(got) - float64(want)); !(diff <= dotTolerance(c.n, mag)) {
			t.Fatalf("%v %s n=%d %dx%d (%s): weight row %d, activation row %d: %g, definition %g: |diff| %g > tolerance %g (M = %g)",
				c.typ, c.kind, c.n, c.aRows, c.wRows, where, i, r, got, want, diff, dotTolerance(c.n, mag), mag)
		}
	}
}

// rowsTypes are the weight types with multi-row kernels somewhere; the
// others are tested on fewer shapes (they run the loop over VecDot).
var rowsTypes = []Type{Q4_0, Q8_0, Q4_K, Q6_K, F16, Q5_K, Q5_0, Q4_1, Q5_1, Q2_K, Q3_K, BF16, F32}

// TestDotRowsImpls runs every implementation against the definition for
// every weight type and kind of input, on 1..5, 16, 17 and 33 weight rows
// and 1..9 and 40 activation rows.
func TestDotRowsImpls(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(41, 42))
		gw := kerneltest.NewGuarded(t, 256<<10)
		ga := kerneltest.NewGuarded(t, 256<<10)
		atEnd := func(w, a []byte) ([]byte, []byte) { return gw.AtEnd(w), ga.AtEnd(a) }
		atStart := func(w, a []byte) ([]byte, []byte) { return gw.AtStart(w), ga.AtStart(a) }
		for _, typ := range weightTypes {
			u := unitOf(typ)
			wRowsList := []int{1, 2, 3, 4, 5, 16, 17, 33}
			aRowsList := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 40}
			units := []int{1, 3}
			if !slices.Contains(rowsTypes, typ) {
				wRowsList, aRowsList, units = []int{1, 3, 17}, []int{1, 2, 5}, []int{2}
			}
			for _, kind := range dotKinds {
				for _, wRows := range wRowsList {
					for _, aRows := range aRowsList {
						if (wRows > 5 || aRows > 9) && kind != "random" && kind != "extreme" {
							continue
						}
						n := units[rng.IntN(len(units))] * u
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
			}
		}
	})
}

// TestDotRowsImplsLong covers long rows: rows long enough that a kernel's
// scratch space holds few activation rows at a time (so it takes them in
// several chunks), and too long for it to hold one; and more activation
// rows than its accumulators hold.
func TestDotRowsImplsLong(t *testing.T) {
	if testing.Short() {
		t.Skip("long rows")
	}
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(43, 44))
		for _, typ := range rowsTypes {
			for _, s := range []struct{ n, wRows, aRows int }{
				{8192 * 4, 17, 9},
				{256 * 1024, 3, 3},
				{256, 3, 600}, // more rows than the accumulators hold
			} {
				n := s.n / unitOf(typ) * unitOf(typ)
				c := makeRowsCase(t, rng, "random", typ, n, s.wRows, s.aRows)
				checkRowsCase(t, c, 1, func(w, a []byte) ([]byte, []byte) { return w, a }, "heap")
			}
		}
	})
}

// TestDotRowsImplsExact checks that every implementation's integer part is
// exact: with unit scales and small sums every float operation is exact
// too, so every result must equal the definition bit for bit (as in
// TestVecDotImplsExact).
func TestDotRowsImplsExact(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(45, 46))
		for _, typ := range weightTypes {
			if typ.BlockSize() == 1 {
				continue
			}
			act := typ.VecDotType()
			bound, blocks := 128, 16
			switch typ {
			case Q2_K, Q3_K, Q4_K, Q5_K:
				bound, blocks = 8, 2
			case Q6_K:
				bound, blocks = 4, 2
			}
			for iter := 0; iter < 10; iter++ {
				n := (1 + rng.IntN(blocks)) * unitOf(typ)
				wRows, aRows := 1+rng.IntN(20), 1+rng.IntN(9)
				var w, a []byte
				for i := range wRows {
					if i%2 == 0 {
						w = append(w, unitScales(extremeBlocks(t, rng, typ, n), typ)...)
					} else {
						w = append(w, unitScales(randomWeights(t, rng, typ, n), typ)...)
					}
				}
				for range aRows {
					a = append(a, unitScales(randomActivations(t, rng, act, n, bound), act)...)
				}
				out := make([]float32, aRows*wRows)
				packed := make([]float32, aRows*wRows)
				DotRows(typ, n, out, wRows, w, wRows, a, aRows)
				if Packable(typ, n) {
					DotPacked(typ, n, packed, wRows, pack(t, typ, n, w, wRows), wRows, a, aRows)
				} else {
					copy(packed, out)
				}
				wb, _ := typ.RowBytes(n)
				ab, _ := act.RowBytes(n)
				for r := range aRows {
					for i := range wRows {
						want := vecDotGeneric(typ, n, w[i*wb:(i+1)*wb], a[r*ab:(r+1)*ab])
						got, gotPacked := out[r*wRows+i], packed[r*wRows+i]
						if math.Float32bits(got) != math.Float32bits(want) || math.Float32bits(gotPacked) != math.Float32bits(want) {
							t.Fatalf("%v n=%d %dx%d, unit scales: weight row %d, activation row %d: %g (packed %g), definition %g",
								typ, n, aRows, wRows, i, r, got, gotPacked, want)
						}
					}
				}
			}
		}
	})
}

// TestDotRowsBatchInvariant checks that every implementation gives a pair
// of rows the same result, bit for bit, alone as in a batch, at any place
// in the batch: DotRows of one weight row and one activation row equals
// the corresponding element of DotRows over 37 weight rows and 11
// activation rows.
func TestDotRowsBatchInvariant(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(55, 56))
		for _, typ := range weightTypes {
			n := 3 * unitOf(typ)
			const wRows, aRows = 37, 11
			c := makeRowsCase(t, rng, "quantized", typ, n, wRows, aRows)
			out := make([]float32, aRows*wRows)
			DotRows(typ, n, out, wRows, c.w, wRows, c.a, aRows)
			wb, _ := typ.RowBytes(n)
			ab, _ := typ.VecDotType().RowBytes(n)
			packable := Packable(typ, n)
			packed := make([]float32, aRows*wRows)
			if packable {
				DotPacked(typ, n, packed, wRows, pack(t, typ, n, c.w, wRows), wRows, c.a, aRows)
			}
			for range 20 {
				i, r := rng.IntN(wRows), rng.IntN(aRows)
				var one [1]float32
				wr, ar := c.w[i*wb:(i+1)*wb], c.a[r*ab:(r+1)*ab]
				DotRows(typ, n, one[:], 1, wr, 1, ar, 1)
				if got, want := one[0], out[r*wRows+i]; math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("%v: weight row %d, activation row %d: %g alone, %g in a batch", typ, i, r, got, want)
				}
				if !packable {
					continue
				}
				DotPacked(typ, n, one[:], 1, pack(t, typ, n, wr, 1), 1, ar, 1)
				if got, want := one[0], packed[r*wRows+i]; math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("%v packed: weight row %d, activation row %d: %g alone, %g in a batch", typ, i, r, got, want)
				}
			}
		}
	})
}

// TestDotRowsImplsNoAllocs checks that no implementation allocates.
func TestDotRowsImplsNoAllocs(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(47, 48))
		for _, typ := range weightTypes {
			n := 2 * unitOf(typ)
			c := makeRowsCase(t, rng, "random", typ, n, 19, 7)
			out := make([]float32, 7*19)
			if allocs := testing.AllocsPerRun(10, func() { DotRows(typ, n, out, 19, c.w, 19, c.a, 7) }); allocs != 0 {
				t.Errorf("DotRows(%v) allocates %v times", typ, allocs)
			}
			if !Packable(typ, n) {
				continue
			}
			p := pack(t, typ, n, c.w, 19)
			if allocs := testing.AllocsPerRun(10, func() { DotPacked(typ, n, out, 19, p, 19, c.a, 7) }); allocs != 0 {
				t.Errorf("DotPacked(%v) allocates %v times", typ, allocs)
			}
		}
	})
}

// TestDotRowsEmpty checks that no rows (or n = 0) is not an error.
func TestDotRowsEmpty(t *testing.T) {
	DotRows(Q4_0, 64, nil, 0, nil, 0, nil, 0)
	DotRows(Q4_0, 64, nil, 0, make([]byte, 36), 1, nil, 0)
	DotRows(Q4_K, 256, nil, 0, nil, 0, make([]byte, 292), 1)
	out := []float32{7, 7}
	DotRows(Q8_0, 0, out, 1, nil, 1, nil, 2)
	if out[0] != 0 || out[1] != 0 {
		t.Errorf("DotRows with n = 0 gave %v, want zeros", out)
	}
}

func TestDotRowsPanics(t *testing.T) {
	for _, c := range []struct {
		name               string
		typ                Type
		n                  int
		out, stride        int
		w, wRows, a, aRows int
	}{
		{"short weights", Q4_0, 64, 4, 2, 71, 2, 68, 2},
		{"long weights", Q4_0, 64, 4, 2, 73, 2, 68, 2},
		{"short activations", Q4_0, 64, 4, 2, 72, 2, 67, 2},
		{"short output", Q4_0, 64, 3, 2, 72, 2, 68, 2},
		{"overlapping output rows", Q4_0, 64, 4, 1, 72, 2, 68, 2},
		{"partial block", Q4_K, 128, 1, 1, 72, 1, 146, 1},
		{"negative n", Q8_0, -32, 1, 1, 0, 1, 0, 1},
		{"negative rows", Q8_0, 32, 1, 1, 0, -1, 34, 1},
		{"unsupported type", Q8_K, 256, 1, 1, 292, 1, 292, 1},
		{"unknown type", Type(99), 1, 1, 1, 1, 1, 1, 1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: DotRows did not panic", c.name)
				}
			}()
			DotRows(c.typ, c.n, make([]float32, c.out), c.stride, make([]byte, c.w), c.wRows, make([]byte, c.a), c.aRows)
		}()
	}
}

// FuzzDotRows turns arbitrary bytes into weight and activation rows of a
// weight type (the first bytes choose the type and the numbers of rows)
// and checks every implementation against the definition.
func FuzzDotRows(f *testing.F) {
	f.Add([]byte{3, 2, 1}, make([]byte, 3*36+68))
	f.Add([]byte{10, 17, 2}, make([]byte, 17*144+2*292))
	rng := rand.New(rand.NewPCG(57, 58))
	for i, typ := range weightTypes {
		c := makeRowsCase(f, rng, "random", typ, unitOf(typ), 3, 2)
		f.Add([]byte{byte(i), 3, 2}, append(c.w, c.a...))
	}
	names := impl.List("quant")
	f.Fuzz(func(t *testing.T, shape, data []byte) {
		if len(shape) < 3 {
			return
		}
		typ := weightTypes[int(shape[0])%len(weightTypes)]
		wRows, aRows := 1+int(shape[1])%40, 1+int(shape[2])%12
		u := unitOf(typ)
		wb, _ := typ.RowBytes(u)
		ab, _ := typ.VecDotType().RowBytes(u)
		units := len(data) / (wRows*wb + aRows*ab)
		if units == 0 {
			return
		}
		c := rowsCase{kind: "fuzz", typ: typ, n: units * u, wRows: wRows, aRows: aRows}
		c.w = data[:wRows*units*wb]
		c.a = data[wRows*units*wb : wRows*units*wb+aRows*units*ab]
		for _, name := range names {
			restore, err := impl.Select("quant", name)
			if err != nil {
				t.Fatal(err)
			}
			checkRowsCase(t, c, int(shape[1])%3, func(w, a []byte) ([]byte, []byte) { return w, a }, "impl="+name)
			restore()
		}
	})
}

// BenchmarkDotRows times DotRows per weight type, implementation, number of
// activation rows and row length, on 256 weight rows. The throughput is in
// bytes of weights times activation rows: the weight bytes a loop of VecDot
// would go through.
func BenchmarkDotRows(b *testing.B) {
	benchmarkDotRows(b, DotRows, false)
}

// BenchmarkDotPacked times DotPacked where the implementation has it, on
// the weights of BenchmarkDotRows packed.
func BenchmarkDotPacked(b *testing.B) {
	benchmarkDotRows(b, DotPacked, true)
}

// BenchmarkDotRowsLoop times the definition, one VecDot per pair of rows
// (so with each implementation's single-row kernels), for comparison.
func BenchmarkDotRowsLoop(b *testing.B) {
	benchmarkDotRows(b, dotRowsGeneric, false)
}

// benchmarkDotRows times f on the weights in the GGUF layout, or packed.
func benchmarkDotRows(b *testing.B, f func(Type, int, []float32, int, []byte, int, []byte, int), packed bool) {
	rng := rand.New(rand.NewPCG(51, 52))
	const wRows = 256
	for _, typ := range rowsTypes {
		for _, n := range []int{2048, 5632} {
			if n%unitOf(typ) != 0 {
				continue
			}
			var w []byte
			for range wRows {
				w = append(w, randomWeights(b, rng, typ, n)...)
			}
			for _, aRows := range []int{1, 2, 4, 8, 16, 64} {
				var a []byte
				for range aRows {
					a = append(a, quantize(b, typ.VecDotType(), randomRow(rng, n))...)
				}
				out := make([]float32, aRows*wRows)
				for _, name := range impl.All("quant") {
					if name == impl.Generic && aRows > 4 {
						continue
					}
					b.Run(fmt.Sprintf("type=%v/impl=%s/rows=%d/n=%d", typ, name, aRows, n), func(b *testing.B) {
						kerneltest.Select(b, "quant", name)
						b.SetBytes(int64(len(w) * aRows))
						wl := w
						if packed {
							if !Packable(typ, n) {
								b.Skip("no packed kernel")
							}
							wl = pack(b, typ, n, w, wRows)
						}
						for b.Loop() {
							f(typ, n, out, wRows, wl, wRows, a, aRows)
						}
					})
				}
			}
		}
	}
}
