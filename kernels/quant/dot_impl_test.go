package quant

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"sovra/kernels/internal/cpufeat"
	"sovra/kernels/internal/impl"
	"sovra/kernels/internal/kerneltest"
)

// The equivalence tests of the SIMD kernels: every implementation of VecDot
// (kernels/internal/impl: "generic", "avx2", "avx512", ...) against the
// pure-Go definition vecDotGeneric, for every weight type.
//
// Tolerance. A kernel computes the same exact integer dot product per block
// and the same float32 scales, but sums the scaled terms in another order
// (in several lanes and accumulators). Both it and the definition are then
// within a few roundings per block of the exact value of the same sum, so
//
//	|got − want| ≤ (2·n/32 + 16) · 2⁻²⁴ · M + n·2⁻¹⁴⁹
//
// where M bounds the magnitude of every term summed (dotMagnitude: Σ|wᵢ·aᵢ|
// over the dequantized elements, with the scale and the min terms of a
// block counted separately) and n·2⁻¹⁴⁹ covers rounding among subnormals.
// With exactly representable inputs (unit scales, small sums) the result
// must be exact: TestVecDotImplsExact.

// dotTolerance is the bound above.
func dotTolerance(n int, mag float64) float64 {
	return (2*float64(n)/QK+16)*0x1p-24*mag + float64(n)*0x1p-149
}

// dotMagnitude returns M for the weight row w of type typ and the activation
// row a (see above). It is NaN or Inf when a scale is not finite.
func dotMagnitude(t testing.TB, typ Type, n int, w, a []byte) float64 {
	act := typ.VecDotType()
	af := dequantize(t, act, a, n)
	offs := scaleOffsets[typ]
	if len(offs) < 2 {
		// One scale per block (or a float type): Σ|w|·|a|.
		wf := dequantize(t, typ, w, n)
		var m float64
		for i := range wf {
			m += math.Abs(float64(wf[i]) * float64(af[i]))
		}
		return m
	}
	// Scale and min: dequantize each part alone by zeroing the other.
	bb := typ.BlockBytes()
	part := func(zero int) []float32 {
		c := append([]byte(nil), w...)
		for blk := 0; blk < len(c)/bb; blk++ {
			binary.LittleEndian.PutUint16(c[blk*bb+zero:], 0)
		}
		return dequantize(t, typ, c, n)
	}
	scaled, mins := part(offs[1]), part(offs[0])
	var m float64
	for i := range scaled {
		m += math.Abs(float64(scaled[i]) * float64(af[i]))
	}
	switch act {
	case Q8_1: // the min term uses the activation's stored s = d·Σq
		for blk := 0; blk < n/QK; blk++ {
			s := f16At(a, blk*q8_1Bytes+2)
			m += math.Abs(float64(mins[blk*QK]) * float64(s))
		}
	case Q8_K: // the min term uses the stored 16-element sums
		for g := 0; g < n/16; g++ {
			blk := g / 16
			yd, _, bsums := q8K(a[blk*q8_KBytes : (blk+1)*q8_KBytes])
			m += math.Abs(float64(mins[16*g]) * float64(yd) * float64(bsum(bsums, g%16)))
		}
	}
	return m
}

// dotCase is one input of the equivalence tests.
type dotCase struct {
	kind string
	typ  Type
	n    int
	w, a []byte
}

// The kinds of input.
var dotKinds = []string{"random", "quantized", "zero", "extreme", "bytes"}

// unitOf is the number of elements of the smallest whole row of typ and its
// activation type (never less than QK, so that float rows are long enough
// to cross vector widths).
func unitOf(typ Type) int { return max(typ.BlockSize(), typ.VecDotType().BlockSize(), QK) }

// makeDotCase returns an input of the given kind, n elements long.
func makeDotCase(t testing.TB, rng *rand.Rand, kind string, typ Type, n int) dotCase {
	act := typ.VecDotType()
	c := dotCase{kind: kind, typ: typ, n: n}
	switch kind {
	case "random": // random quants, realistic scales
		c.w = randomWeights(t, rng, typ, n)
		c.a = randomActivations(t, rng, act, n, 0)
	case "quantized": // what Quantize makes from realistic rows
		c.w = randomWeights(t, rng, typ, n)
		if quantizers(typ) != nil {
			c.w = quantize(t, typ, randomRow(rng, n))
		}
		c.a = quantize(t, act, randomRow(rng, n))
	case "zero":
		wb, _ := typ.RowBytes(n)
		ab, _ := act.RowBytes(n)
		c.w, c.a = make([]byte, wb), make([]byte, ab)
	case "extreme": // quants at their extremes, scales from tiny to huge
		c.w = extremeBlocks(t, rng, typ, n)
		c.a = extremeBlocks(t, rng, act, n)
	case "bytes": // arbitrary bytes, scales included
		wb, _ := typ.RowBytes(n)
		ab, _ := act.RowBytes(n)
		c.w, c.a = make([]byte, wb), make([]byte, ab)
		for i := range c.w {
			c.w[i] = byte(rng.Uint32())
		}
		for i := range c.a {
			c.a[i] = byte(rng.Uint32())
		}
	default:
		t.Fatalf("unknown kind %q", kind)
	}
	return c
}

// randomActivations returns n elements of activation type act: random
// quants with realistic scales and, for Q8_K, consistent sums. With bound
// > 0 the quants are in -bound..bound.
func randomActivations(t testing.TB, rng *rand.Rand, act Type, n, bound int) []byte {
	switch act {
	case Q8_0, Q8_1, Q8_K:
	default:
		return quantize(t, act, randomRow(rng, n))
	}
	size, _ := act.RowBytes(n)
	b := make([]byte, size)
	bb := act.BlockBytes()
	for blk := 0; blk < size/bb; blk++ {
		x := b[blk*bb : (blk+1)*bb]
		scale := math.Ldexp(1, rng.IntN(16)-12)
		qs := x[2:]
		switch act {
		case Q8_0:
			binary.LittleEndian.PutUint16(x, F32ToF16(float32(rng.NormFloat64()*scale)))
		case Q8_1:
			binary.LittleEndian.PutUint16(x, F32ToF16(float32(rng.NormFloat64()*scale)))
			binary.LittleEndian.PutUint16(x[2:], F32ToF16(float32(rng.NormFloat64()*scale*64)))
			qs = x[4:]
		case Q8_K:
			binary.LittleEndian.PutUint32(x, math.Float32bits(float32(rng.NormFloat64()*scale)))
			qs = x[4 : 4+QKK]
		}
		for i := range qs {
			if bound > 0 {
				qs[i] = byte(int8(rng.IntN(2*bound+1) - bound))
			} else {
				qs[i] = byte(rng.Uint32())
			}
		}
		if act == Q8_K {
			fixBsums(x)
		}
	}
	return b
}

// fixBsums sets the 16-element sums of the Q8_K block x from its quants.
func fixBsums(x []byte) {
	_, qs, bsums := q8K(x)
	for j := 0; j < QKK/16; j++ {
		var s int16
		for _, q := range qs[16*j : 16*j+16] {
			s += int16(int8(q))
		}
		binary.LittleEndian.PutUint16(bsums[2*j:], uint16(s))
	}
}

// extremeScales are the f16 scales of the "extreme" blocks: the largest
// half, one, the smallest normal and the smallest subnormal half.
var extremeScales = []uint16{0x7bff, 0x3c00, 0x0400, 0x0001, 0xfbff}

// extremeBlocks returns n elements of typ whose quant bytes are all 0x00,
// 0x7f, 0x80 or 0xff (the extremes of every field they hold) and whose
// scales are drawn from extremeScales.
func extremeBlocks(t testing.TB, rng *rand.Rand, typ Type, n int) []byte {
	size, _ := typ.RowBytes(n)
	b := make([]byte, size)
	if typ.BlockSize() == 1 {
		// A float row: the largest and smallest halves, and ordinary values.
		x := make([]float32, n)
		for i := range x {
			x[i] = []float32{65504, -65504, 0x1p-24, float32(rng.NormFloat64())}[rng.IntN(4)]
		}
		if err := Quantize(typ, x, b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	extremes := []byte{0x00, 0x7f, 0x80, 0xff}
	for i := range b {
		b[i] = extremes[rng.IntN(len(extremes))]
	}
	bb := typ.BlockBytes()
	for blk := 0; blk < size/bb; blk++ {
		x := b[blk*bb : (blk+1)*bb]
		switch typ {
		case Q8_K:
			d := []float32{65504, 1, 0x1p-14, 0x1p-24}[rng.IntN(4)]
			binary.LittleEndian.PutUint32(x, math.Float32bits(d))
			fixBsums(x)
		case Q8_1:
			binary.LittleEndian.PutUint16(x, extremeScales[rng.IntN(len(extremeScales))])
			binary.LittleEndian.PutUint16(x[2:], extremeScales[rng.IntN(len(extremeScales))])
		default:
			for _, off := range scaleOffsets[typ] {
				binary.LittleEndian.PutUint16(x[off:], extremeScales[rng.IntN(len(extremeScales))])
			}
		}
	}
	return b
}

// dotSizes returns the row lengths the equivalence test runs for typ: 1 to
// 16 units, and the large sizes 4096 and 11008 where they are whole rows;
// for the float types also every length from 0 to 70 and 4095, so that
// every tail of the vector loops runs.
func dotSizes(typ Type) []int {
	u := unitOf(typ)
	var ns []int
	if typ.BlockSize() == 1 {
		for n := 0; n <= 70; n++ {
			ns = append(ns, n)
		}
		ns = append(ns, 4095)
	}
	for k := 1; k <= 16; k++ {
		ns = append(ns, k*u)
	}
	for _, n := range []int{4096, 11008} {
		if n%u == 0 {
			ns = append(ns, n)
		}
	}
	return ns
}

// checkDot compares VecDot on c (as currently dispatched) with the
// definition, with the inputs placed by place.
func checkDotCase(t *testing.T, c dotCase, place func(w, a []byte) ([]byte, []byte), where string) {
	t.Helper()
	want := vecDotGeneric(c.typ, c.n, c.w, c.a)
	w, a := place(c.w, c.a)
	got := VecDot(c.typ, c.n, w, a)
	mag := dotMagnitude(t, c.typ, c.n, c.w, c.a)
	if math.IsNaN(mag) || math.IsInf(mag, 0) || mag*2 > math.MaxFloat32 {
		// Non-finite scales (only in "bytes"), or sums near the float32
		// limit: nothing to bound, but the kernel must not fault.
		return
	}
	if impl.Active("quant") == impl.Generic {
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("%v %s n=%d (%s): generic dispatch = %g, definition %g", c.typ, c.kind, c.n, where, got, want)
		}
		return
	}
	if diff := math.Abs(float64(got) - float64(want)); !(diff <= dotTolerance(c.n, mag)) {
		t.Fatalf("%v %s n=%d (%s): VecDot = %g, definition %g: |diff| %g > tolerance %g (M = %g)",
			c.typ, c.kind, c.n, where, got, want, diff, dotTolerance(c.n, mag), mag)
	}
}

// TestVecDotImpls runs every implementation against the definition: every
// weight type, every kind of input, 1..16 blocks and two large rows, with
// the rows placed against guard pages (so a read past the end or before the
// start faults) and at odd offsets in the heap.
func TestVecDotImpls(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(31, 32))
		gw := kerneltest.NewGuarded(t, 64<<10)
		ga := kerneltest.NewGuarded(t, 64<<10)
		atEnd := func(w, a []byte) ([]byte, []byte) { return gw.AtEnd(w), ga.AtEnd(a) }
		atStart := func(w, a []byte) ([]byte, []byte) { return gw.AtStart(w), ga.AtStart(a) }
		for _, typ := range weightTypes {
			for _, kind := range dotKinds {
				for _, n := range dotSizes(typ) {
					c := makeDotCase(t, rng, kind, typ, n)
					checkDotCase(t, c, atEnd, "guard page after")
					checkDotCase(t, c, atStart, "guard page before")
					off := 1 + rng.IntN(3)
					checkDotCase(t, c, func(w, a []byte) ([]byte, []byte) {
						return placeAt(w, off), placeAt(a, 4-off)
					}, fmt.Sprintf("offsets %d, %d", off, 4-off))
				}
			}
		}
	})
}

// placeAt copies b to offset off of a new buffer with room after it and
// returns the copy, capped at its length.
func placeAt(b []byte, off int) []byte {
	buf := make([]byte, off+len(b)+64)
	c := buf[off : off+len(b) : off+len(b)]
	copy(c, b)
	return c
}

// TestVecDotImplsExact checks that every implementation's integer part is
// exact: with unit scales and sums below 2²⁴ every float operation is exact
// too, so the result must equal the definition's bit for bit.
func TestVecDotImplsExact(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(33, 34))
		for _, typ := range weightTypes {
			if typ.BlockSize() == 1 {
				continue
			}
			act := typ.VecDotType()
			// Largest activation quant and row length that keep every
			// partial sum below 2^24 (the K-quants multiply by 6-bit or
			// 8-bit sub-block scales as well).
			bound, blocks := 128, 16
			switch typ {
			case Q2_K, Q3_K, Q4_K, Q5_K:
				bound, blocks = 8, 2
			case Q6_K:
				bound, blocks = 4, 2
			}
			for iter := 0; iter < 50; iter++ {
				nb := 1 + rng.IntN(blocks)
				n := nb * unitOf(typ)
				w := unitScales(randomWeights(t, rng, typ, n), typ)
				a := unitScales(randomActivations(t, rng, act, n, bound), act)
				if iter%2 == 0 {
					w = unitScales(extremeBlocks(t, rng, typ, n), typ)
				}
				want := vecDotGeneric(typ, n, w, a)
				if got := VecDot(typ, n, w, a); math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("%v n=%d, unit scales: VecDot = %g, definition %g", typ, n, got, want)
				}
			}
		}
	})
}

// TestVecDotImplsNoAllocs checks that no implementation allocates.
func TestVecDotImplsNoAllocs(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(37, 38))
		for _, typ := range weightTypes {
			c := makeDotCase(t, rng, "random", typ, 4*unitOf(typ)+QKK)
			if allocs := testing.AllocsPerRun(10, func() { VecDot(typ, c.n, c.w, c.a) }); allocs != 0 {
				t.Errorf("VecDot(%v) allocates %v times", typ, allocs)
			}
		}
	})
}

// unitScales sets every scale of the blocks in b to 1 (and every min, and
// the Q8_1 sum s, to 1 as well) and returns b.
func unitScales(b []byte, typ Type) []byte {
	bb := typ.BlockBytes()
	for blk := 0; blk < len(b)/bb; blk++ {
		x := b[blk*bb : (blk+1)*bb]
		switch typ {
		case Q8_0:
			binary.LittleEndian.PutUint16(x, 0x3c00)
		case Q8_1:
			binary.LittleEndian.PutUint16(x, 0x3c00)
			binary.LittleEndian.PutUint16(x[2:], 0x3c00)
		case Q8_K:
			binary.LittleEndian.PutUint32(x, math.Float32bits(1))
			fixBsums(x)
		default:
			for _, off := range scaleOffsets[typ] {
				binary.LittleEndian.PutUint16(x[off:], 0x3c00)
			}
		}
	}
	return b
}

// TestVecDotImplsList checks the registry: generic always runs, and on
// amd64 with AVX2 (AVX-512 VNNI) the avx2 (avx512) implementation, on
// arm64 with ASIMD (and ASIMDDP) the neon (dotprod) one, is available and
// is what VecDot uses.
func TestVecDotImplsList(t *testing.T) {
	names := impl.List("quant")
	if len(names) == 0 || names[0] != impl.Generic {
		t.Fatalf("impl.List(quant) = %v, want generic first", names)
	}
	t.Logf("implementations: %v (active %s, CPU level %v)", names, impl.Active("quant"), cpufeat.Best())
	if len(impl.All("quant")) > 1 {
		want := map[cpufeat.Level]string{cpufeat.AVX512: "avx512", cpufeat.AVX2: "avx2",
			cpufeat.DotProd: "dotprod", cpufeat.NEON: "neon", cpufeat.Generic: "generic"}[cpufeat.Best()]
		if got := impl.Active("quant"); got != want {
			t.Errorf("impl.Active(quant) = %s, want %s for CPU level %v", got, want, cpufeat.Best())
		}
	}
}

// TestSOVRACPU runs this test binary with SOVRA_CPU set to each level and
// checks which implementation VecDot then uses.
func TestSOVRACPU(t *testing.T) {
	if testing.Short() {
		t.Skip("runs subprocesses")
	}
	if len(impl.All("quant")) == 1 {
		t.Skip("no SIMD implementations on this architecture")
	}
	if env := os.Getenv("SOVRA_CPU"); env != "" {
		t.Skipf("SOVRA_CPU=%s already caps this process, so what the CPU has is unknown here", env)
	}
	type sovraCPUCase struct {
		env  string
		want cpufeat.Level
	}
	// This architecture's levels, each implemented under its own name, and
	// the cases; a level of the other architecture caps nothing here.
	levels := []cpufeat.Level{cpufeat.AVX2, cpufeat.AVX512}
	cases := []sovraCPUCase{
		{"generic", cpufeat.Generic},
		{"avx2", cpufeat.AVX2},
		{"AVX512", cpufeat.AVX512},
		{"bogus", cpufeat.AVX512}, // ignored, with a warning
	}
	if runtime.GOARCH == "arm64" {
		levels = []cpufeat.Level{cpufeat.NEON, cpufeat.DotProd}
		cases = []sovraCPUCase{
			{"generic", cpufeat.Generic},
			{"neon", cpufeat.NEON},
			{"DotProd", cpufeat.DotProd},
			{"avx2", cpufeat.DotProd},  // an amd64 level: no cap on arm64
			{"bogus", cpufeat.DotProd}, // ignored, with a warning
		}
	}
	for _, c := range cases {
		// The CPU may lack the level asked for: expect the best it has
		// up to that level.
		want := "generic"
		for _, l := range levels {
			if c.want >= l && cpufeat.Has(l) {
				want = l.String()
			}
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestSOVRACPUChild$", "-test.v")
		cmd.Env = append(os.Environ(), "SOVRA_CPU="+c.env, "SOVRA_TEST_WANT_IMPL="+want)
		out, err := cmd.CombinedOutput()
		if errors.Is(err, syscall.ENOEXEC) {
			// The binary runs under an emulator (go test -exec
			// qemu-aarch64-static) that the kernel does not know of.
			t.Skipf("cannot run this test binary as a subprocess: %v", err)
		}
		if err != nil || !strings.Contains(string(out), "--- PASS: TestSOVRACPUChild") {
			t.Errorf("SOVRA_CPU=%s: want implementation %s: %v\n%s", c.env, want, err, out)
		}
	}
}

// TestSOVRACPUChild is the subprocess of TestSOVRACPU.
func TestSOVRACPUChild(t *testing.T) {
	want := os.Getenv("SOVRA_TEST_WANT_IMPL")
	if want == "" {
		t.Skip("only run by TestSOVRACPU")
	}
	if got := impl.Active("quant"); got != want {
		t.Fatalf("SOVRA_CPU=%s: quant uses %s, want %s", os.Getenv("SOVRA_CPU"), got, want)
	}
}

// FuzzVecDotImpls turns arbitrary bytes into a weight and an activation row
// of a weight type and checks every implementation against the definition.
func FuzzVecDotImpls(f *testing.F) {
	f.Add(uint8(3), make([]byte, 2*52))
	f.Add(uint8(7), []byte{0x00, 0x3c, 0x80, 0x7f, 0xff, 0x01})
	f.Add(uint8(12), make([]byte, 436))
	rng := rand.New(rand.NewPCG(35, 36))
	for _, typ := range weightTypes {
		c := makeDotCase(f, rng, "random", typ, 2*unitOf(typ))
		f.Add(uint8(indexOf(typ)), append(c.w, c.a...))
	}
	names := impl.List("quant")
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		typ := weightTypes[int(which)%len(weightTypes)]
		u := unitOf(typ)
		wb, _ := typ.RowBytes(u)
		ab, _ := typ.VecDotType().RowBytes(u)
		units := len(data) / (wb + ab)
		c := dotCase{kind: "fuzz", typ: typ, n: units * u, w: data[:units*wb], a: data[units*wb : units*(wb+ab)]}
		for _, name := range names {
			restore, err := impl.Select("quant", name)
			if err != nil {
				t.Fatal(err)
			}
			checkDotCase(t, c, func(w, a []byte) ([]byte, []byte) { return w, a }, "impl="+name)
			restore()
		}
	})
}

func indexOf(typ Type) int {
	for i, t := range weightTypes {
		if t == typ {
			return i
		}
	}
	return -1
}

// BenchmarkVecDot times VecDot per weight type, implementation and row
// length; the throughput is in bytes of weights.
func BenchmarkVecDot(b *testing.B) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, typ := range weightTypes {
		for _, n := range []int{4096, 11008} {
			if n%unitOf(typ) != 0 {
				continue
			}
			w := randomWeights(b, rng, typ, n)
			a := quantize(b, typ.VecDotType(), randomRow(rng, n))
			for _, name := range impl.All("quant") {
				b.Run(fmt.Sprintf("type=%v/impl=%s/n=%d", typ, name, n), func(b *testing.B) {
					kerneltest.Select(b, "quant", name)
					b.SetBytes(int64(len(w)))
					for b.Loop() {
						VecDot(typ, n, w, a)
					}
				})
			}
		}
	}
}
