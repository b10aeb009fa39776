//go:build !purego && (amd64 || arm64)

package quant

import (
	"encoding/binary"

	"sovra/kernels/internal/race"
)

// raceRead tells the race detector that an assembly kernel reads w and a.
func raceRead(w, a []byte) {
	race.ReadSlice(w)
	race.ReadSlice(a)
}

// f16Tail adds the products of elements m..n-1 of the F16 rows w and a to
// sum, the float64 sum of the first m that a vector kernel computed, as
// dotF16 would.
func f16Tail(sum float64, m, n int, w, a []byte) float32 {
	for i := m; i < n; i++ {
		x := F16ToF32(binary.LittleEndian.Uint16(w[2*i:]))
		y := F16ToF32(binary.LittleEndian.Uint16(a[2*i:]))
		sum += float64(float32(x * y))
	}
	return float32(sum)
}
