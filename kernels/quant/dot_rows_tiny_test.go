package quant

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"sovra/kernels/internal/kerneltest"
)

// tinyScales rewrites the scales of the rows in b (of type typ, n elements
// each) to tiny values: f16 scales (and mins) subnormal or in the lowest
// binades, Q8_K's float32 scale between 2⁻¹⁴⁹ and 2⁻⁹⁰, so that the
// product of a weight scale and an activation scale is often subnormal or
// zero in float32. A kernel that multiplies the scales in another order
// than the definition (say the weight scale by a sub-block scale first)
// then rounds very differently from it. Quants, sums and the other fields
// keep their bytes.
func tinyScales(rng *rand.Rand, typ Type, b []byte) {
	tinyHalf := func() uint16 {
		h := uint16(1 + rng.IntN(0x3ff)) // subnormal
		if rng.IntN(2) == 0 {
			h = uint16(1+rng.IntN(4))<<10 | uint16(rng.IntN(0x400)) // 2⁻¹⁴..2⁻¹¹
		}
		return h | uint16(rng.IntN(2))<<15
	}
	bb := typ.BlockBytes()
	for off := 0; off+bb <= len(b); off += bb {
		x := b[off : off+bb]
		switch typ {
		case Q8_K:
			d := float32(math.Ldexp(1+rng.Float64(), -90-rng.IntN(60)))
			if rng.IntN(2) == 0 {
				d = -d
			}
			binary.LittleEndian.PutUint32(x, math.Float32bits(d))
		case Q8_0, Q8_1:
			binary.LittleEndian.PutUint16(x, tinyHalf())
		default:
			for _, o := range scaleOffsets[typ] {
				binary.LittleEndian.PutUint16(x[o:], tinyHalf())
			}
		}
	}
}

// TestDotRowsTinyScales runs every implementation of DotRows and DotPacked
// on many inputs with tiny scales (tinyScales) of every type with a packed
// layout, against the definition within VecDot's bound.
func TestDotRowsTinyScales(t *testing.T) {
	var types []Type
	for typ := range packFormats {
		types = append(types, typ)
	}
	slices.Sort(types)
	seeds := 300
	if testing.Short() {
		seeds = 60
	}
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(63, 64))
		for _, typ := range types {
			u := unitOf(typ)
			for range seeds {
				n := (1 + rng.IntN(3)) * u
				wRows, aRows := 1+rng.IntN(17), 1+rng.IntN(3)
				c := makeRowsCase(t, rng, "random", typ, n, wRows, aRows)
				tinyScales(rng, typ, c.w)
				tinyScales(rng, typ.VecDotType(), c.a)
				checkRowsCase(t, c, 0, func(w, a []byte) ([]byte, []byte) { return w, a }, "tiny scales")
			}
		}
	})
}
