package quant

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"sovra/kernels/internal/kerneltest"
)

// moreRowsTypes are weight types with multi-row kernels that are not in
// rowsTypes, so as not to change the random inputs TestDotRowsImpls draws
// for the others: TestDotRowsImplsMore gives them the same shapes as
// TestDotRowsImpls gives rowsTypes, and the long rows of
// TestDotRowsImplsLong.
var moreRowsTypes = []Type{Q2_K}

func TestDotRowsImplsMore(t *testing.T) {
	kerneltest.ForAllImpls(t, "quant", func(t *testing.T, name string) {
		rng := rand.New(rand.NewPCG(61, 62))
		gw := kerneltest.NewGuarded(t, 256<<10)
		ga := kerneltest.NewGuarded(t, 256<<10)
		atEnd := func(w, a []byte) ([]byte, []byte) { return gw.AtEnd(w), ga.AtEnd(a) }
		for _, typ := range moreRowsTypes {
			u := unitOf(typ)
			for _, kind := range dotKinds {
				for _, wRows := range []int{1, 2, 3, 4, 5, 16, 17, 33} {
					for _, aRows := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 40} {
						if (wRows > 5 || aRows > 9) && kind != "random" && kind != "extreme" {
							continue
						}
						n := (1 + 2*rng.IntN(2)) * u
						c := makeRowsCase(t, rng, kind, typ, n, wRows, aRows)
						gap := rng.IntN(4)
						checkRowsCase(t, c, gap, atEnd, "guard page after")
						off := 1 + rng.IntN(3)
						checkRowsCase(t, c, gap, func(w, a []byte) ([]byte, []byte) {
							return placeAt(w, off), placeAt(a, 4-off)
						}, fmt.Sprintf("offsets %d, %d", off, 4-off))
					}
				}
			}
			if testing.Short() {
				continue
			}
			for _, s := range []struct{ n, wRows, aRows int }{
				{8192 * 4, 17, 9},
				{256 * 1024, 3, 3},
				{256, 3, 600},
			} {
				c := makeRowsCase(t, rng, "random", typ, s.n/u*u, s.wRows, s.aRows)
				checkRowsCase(t, c, 1, func(w, a []byte) ([]byte, []byte) { return w, a }, "heap")
			}
		}
	})
}
