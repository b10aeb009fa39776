package quant

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// TestGGMLGolden checks conversions, Dequantize, Quantize and the definition
// of VecDot bit for bit against outputs of ggml's own scalar kernels (and
// VecDot as dispatched within the tolerance of dot_impl_test.go), stored in
// testdata/ggml/golden.bin (see the README there for provenance).
func TestGGMLGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/ggml/golden.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("SOVRAGG1")) {
		t.Fatal("golden.bin: bad magic")
	}
	r := goldenReader{b: data[8:]}

	nconv := int(r.u32())
	xs := r.f32s(nconv)
	f16s, bf16s := r.bytes(2*nconv), r.bytes(2*nconv)
	for i, x := range xs {
		if got, want := F32ToF16(x), binary.LittleEndian.Uint16(f16s[2*i:]); got != want {
			t.Errorf("F32ToF16(bits %#08x) = %#04x, ggml %#04x", math.Float32bits(x), got, want)
		}
		if got, want := F32ToBF16(x), binary.LittleEndian.Uint16(bf16s[2*i:]); got != want {
			t.Errorf("F32ToBF16(bits %#08x) = %#04x, ggml %#04x", math.Float32bits(x), got, want)
		}
	}

	ncases := int(r.u32())
	seen := map[Type]int{}
	for c := 0; c < ncases; c++ {
		typ, n := Type(r.u32()), int(r.u32())
		wbytes, abytes := int(r.u32()), int(r.u32())
		w, x, deq := r.bytes(wbytes), r.f32s(n), r.f32s(n)
		act, dot := r.bytes(abytes), r.f32s(1)[0]
		if r.err {
			t.Fatal("golden.bin: truncated")
		}
		seen[typ]++

		if typ.BlockSize() > 1 {
			y := make([]float32, n)
			if err := Dequantize(typ, w, y); err != nil {
				t.Fatal(err)
			}
			for i := range y {
				if math.Float32bits(y[i]) != math.Float32bits(deq[i]) {
					t.Errorf("%v n=%d: Dequantize element %d = %g, ggml %g", typ, n, i, y[i], deq[i])
					break
				}
			}
		}
		a := make([]byte, abytes)
		if err := Quantize(typ.VecDotType(), x, a); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, act) {
			t.Errorf("%v n=%d: Quantize(%v) differs from ggml's reference quantizer", typ, n, typ.VecDotType())
		}
		if got := vecDotGeneric(typ, n, w, act); math.Float32bits(got) != math.Float32bits(dot) {
			t.Errorf("%v n=%d: vecDotGeneric = %g, ggml %g", typ, n, got, dot)
		}
		// The SIMD kernels VecDot may run sum in another order.
		got := VecDot(typ, n, w, act)
		if tol := dotTolerance(n, dotMagnitude(t, typ, n, w, act)); !(math.Abs(float64(got)-float64(dot)) <= tol) {
			t.Errorf("%v n=%d: VecDot = %g, ggml %g (tolerance %g)", typ, n, got, dot, tol)
		}
	}
	if len(r.b) != 0 {
		t.Errorf("golden.bin: %d trailing bytes", len(r.b))
	}
	for _, typ := range weightTypes {
		if seen[typ] == 0 {
			t.Errorf("golden.bin has no case for %v", typ)
		}
	}
}

type goldenReader struct {
	b   []byte
	err bool
}

func (r *goldenReader) bytes(n int) []byte {
	if n > len(r.b) {
		r.err = true
		return make([]byte, n)
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

func (r *goldenReader) u32() uint32 { return binary.LittleEndian.Uint32(r.bytes(4)) }

func (r *goldenReader) f32s(n int) []float32 {
	b := r.bytes(4 * n)
	xs := make([]float32, n)
	for i := range xs {
		xs[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return xs
}
