//go:build !purego

package quant

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"sovra/kernels/internal/kerneltest"
)

// TestPrepQ8_0 checks the activation terms the tile kernels of Q4_0 and
// Q8_0 start from (AVX-512 and AVX2) against prepEntry.
func TestPrepQ8_0(t *testing.T) {
	for _, c := range []struct {
		name string
		prep func(a []byte, rows, nb, shift int, prep []uint64)
	}{{"avx512", prepQ8_0AVX512}, {"avx2", prepQ8_0AVX2}} {
		t.Run("impl="+c.name, func(t *testing.T) {
			kerneltest.Select(t, "quant", c.name)
			rng := rand.New(rand.NewPCG(49, 50))
			for _, shift := range []int{3, 7} {
				for _, kind := range []string{"random", "extreme"} {
					const rows, nb = 5, 7
					var a []byte
					for range rows {
						a = append(a, makeDotCase(t, rng, kind, Q8_0, nb*QK).a...)
					}
					prep := make([]uint64, rows*nb)
					c.prep(a, rows, nb, shift, prep)
					for r := range rows {
						for b := range nb {
							x := a[(r*nb+b)*q8_0Bytes:]
							var s int32
							for _, q := range x[2:q8_0Bytes] {
								s += int32(int8(q))
							}
							d := F16ToF32(binary.LittleEndian.Uint16(x))
							if got, want := prep[b*rows+r], prepEntry(d, s, shift); got != want {
								t.Errorf("%s shift %d, row %d block %d: %#x, want %#x", kind, shift, r, b, got, want)
							}
						}
					}
				}
			}
		})
	}
}

// prepEntry is what prepQ8_0AVX512 stores for a Q8_0 block of scale d
// whose quants sum to s, for weights with an offset of 1<<shift.
func prepEntry(d float32, s int32, shift int) uint64 {
	return uint64(uint32(-(s << shift))) | uint64(math.Float32bits(d))<<32
}

// TestPrepQ8_K checks the 16-quant sums the AVX-512 kernel of Q6_K starts
// from against the quants (and against the bsums field, which Quantize
// fills with the same sums).
func TestPrepQ8_K(t *testing.T) {
	kerneltest.Select(t, "quant", "avx512")
	rng := rand.New(rand.NewPCG(53, 54))
	for _, kind := range []string{"random", "extreme", "quantized"} {
		const rows, nb = 3, 5
		var a []byte
		for range rows {
			a = append(a, makeDotCase(t, rng, kind, Q6_K, nb*QKK).a...)
		}
		prep := make([]uint64, 4*rows*nb)
		prepQ8_KAVX512(a, rows, nb, prep)
		for r := range rows {
			for b := range nb {
				_, qs, bsums := q8K(a[(r*nb+b)*q8_KBytes:])
				for g := range QKK / 16 {
					var s int16
					for _, q := range qs[16*g : 16*g+16] {
						s += int16(int8(q))
					}
					got := int16(prep[4*(b*rows+r)+g/4] >> (16 * (g % 4)))
					if got != s || got != int16(binary.LittleEndian.Uint16(bsums[2*g:])) {
						t.Errorf("%s row %d block %d group %d: %d, want %d", kind, r, b, g, got, s)
					}
				}
			}
		}
	}
}
