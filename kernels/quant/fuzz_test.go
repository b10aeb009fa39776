package quant

import (
	"math"
	"testing"
)

// dequantTypes are the types Dequantize supports.
var dequantTypes = []Type{F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K}

// FuzzDequantize feeds arbitrary bytes to Dequantize for every type: a
// whole number of blocks must decode without error into exactly the
// expected number of elements (guard elements around dst stay untouched),
// and any other length must be an error.
func FuzzDequantize(f *testing.F) {
	f.Add(uint8(3), []byte{0x00, 0x3c, 0x12, 0x34})
	f.Add(uint8(10), make([]byte, 84))
	f.Add(uint8(11), make([]byte, 2*110))
	f.Add(uint8(13), []byte{0xff, 0x7b})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		typ := dequantTypes[int(which)%len(dequantTypes)]
		blocks := len(data) / typ.BlockBytes()
		n := blocks * typ.BlockSize()
		src := data[:blocks*typ.BlockBytes()]

		const guard = 4
		buf := make([]float32, n+2*guard)
		sentinel := float32(math.Inf(-1))
		for i := range buf {
			buf[i] = sentinel
		}
		dst := buf[guard : guard+n : guard+n]
		if err := Dequantize(typ, src, dst); err != nil {
			t.Fatalf("Dequantize(%v, %d bytes, %d elements): %v", typ, len(src), n, err)
		}
		for i := 0; i < guard; i++ {
			if buf[i] != sentinel || buf[guard+n+i] != sentinel {
				t.Fatalf("Dequantize(%v) wrote outside dst", typ)
			}
		}
		if len(src) != len(data) {
			if err := Dequantize(typ, data, dst); err == nil {
				t.Fatalf("Dequantize(%v, %d bytes, %d elements) succeeded", typ, len(data), n)
			}
		}
		if typ.BlockSize() > 1 && n > 0 {
			if err := Dequantize(typ, src, dst[:n-1]); err == nil {
				t.Fatalf("Dequantize(%v) of a partial block succeeded", typ)
			}
		}
	})
}

// FuzzVecDot feeds arbitrary bytes as weights and activations to VecDot
// for every weight type and checks that it does not panic.
func FuzzVecDot(f *testing.F) {
	f.Add(uint8(3), make([]byte, 256))
	f.Add(uint8(12), make([]byte, 1000))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		typ := weightTypes[int(which)%len(weightTypes)]
		act := typ.VecDotType()
		bs := max(typ.BlockSize(), act.BlockSize())
		wb, _ := typ.RowBytes(bs)
		ab, _ := act.RowBytes(bs)
		blocks := len(data) / (wb + ab)
		n := blocks * bs
		w := data[:blocks*wb]
		a := data[blocks*wb : blocks*(wb+ab)]
		VecDot(typ, n, w, a)
	})
}
