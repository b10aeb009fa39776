package quant

import "fmt"

// VecDotType is the type an activation row is quantized to before its dot
// product with a weight row of type t, as in llama.cpp's CPU backend:
// F32, F16 and BF16 pair with themselves; Q4_0, Q5_0 and Q8_0 with Q8_0;
// Q4_1 and Q5_1 with Q8_1; Q2_K, Q3_K, Q4_K, Q5_K and Q6_K with Q8_K.
// For a type that VecDot does not support it returns t itself.
func (t Type) VecDotType() Type {
	switch t {
	case Q4_0, Q5_0, Q8_0:
		return Q8_0
	case Q4_1, Q5_1:
		return Q8_1
	case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K:
		return Q8_K
	}
	return t
}

// VecDot returns the dot product of n elements: the weight row w, of type t
// and t.RowBytes(n) bytes, with the activation row a, already quantized to
// t.VecDotType() (see Quantize) and of that type's RowBytes(n) bytes.
// n must be a multiple of t's block size. The weight types are F32, F16,
// BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K and Q6_K.
//
// The pure-Go definition (vecDotGeneric) computes as ggml's scalar
// ggml_vec_dot_* functions do: an exact integer dot product per block (or
// sub-block), scaled by the block scales in float32 and summed in float32 in
// the same order; F32, F16 and BF16 products are summed in float64.
//
// Where the CPU allows, VecDot runs a SIMD kernel instead (dot_amd64.go:
// Q4_0, Q8_0, Q4_K, Q6_K and F16 with AVX2 or AVX-512 VNNI; SOVRA_CPU=
// generic turns them off, see kernels/internal/cpufeat). A kernel computes
// the same exact integer dot product of every block and multiplies it by the
// same scales, but groups the float32 products and sums differently, so its
// result may differ from the definition's in the last bits, by at most
// (2·n/32 + 16)·2⁻²⁴·M, where M is Σ|wᵢ·aᵢ| over the dequantized elements
// (a block's scale and min terms counted separately); the tests check this
// bound, and exact equality when every partial sum is exact. F16 products
// are exact and the kernels still sum them in float64, so only the order of
// those additions differs. VecDot does not allocate.
//
// VecDot panics if t is not a supported weight type or if n, len(w) and
// len(a) do not agree: these are programming errors, which callers rule out
// when they set up a matmul, not per row.
func VecDot(t Type, n int, w, a []byte) float32 {
	checkDot(t, n, w, a)
	return vecDot(t, n, w, a)
}

// checkDot panics unless w holds n elements of t and a holds n elements of
// t.VecDotType(). It is on the path of every VecDot call, so the common case
// uses dotShapes instead of the layouts map.
func checkDot(t Type, n int, w, a []byte) {
	if int(t) < len(dotShapes) {
		if s := dotShapes[t]; s.blockSize > 0 && n >= 0 && n%s.blockSize == 0 &&
			len(w) == n/s.blockSize*s.weightBytes && len(a) == n/s.blockSize*s.actBytes {
			return
		}
	}
	wantW, err := t.RowBytes(n)
	if err == nil && n < 0 {
		err = fmt.Errorf("negative n %d", n)
	}
	if err != nil {
		panic(fmt.Sprintf("quant: VecDot: %v", err))
	}
	wantA, err := t.VecDotType().RowBytes(n)
	if err != nil {
		panic(fmt.Sprintf("quant: VecDot: %v", err))
	}
	if len(w) != wantW || len(a) != wantA {
		panic(fmt.Sprintf("quant: VecDot %v: %d elements need %d weight bytes and %d activation bytes (%v), got %d and %d",
			t, n, wantW, wantA, t.VecDotType(), len(w), len(a)))
	}
	panic(fmt.Sprintf("quant: VecDot: %v rows of %d elements do not fit dotShapes", t, n))
}

// dotShape is the shape of a weight row and its activation row: elements
// per unit (the larger of the two block sizes) and the bytes of a unit of
// each.
type dotShape struct{ blockSize, weightBytes, actBytes int }

// dotShapes is indexed by weight type; zero for types VecDot does not take.
var dotShapes = func() (s [BF16 + 1]dotShape) {
	for t := range s {
		typ := Type(t)
		act := typ.VecDotType()
		if !typ.Known() || !act.Known() {
			continue
		}
		bs := max(typ.BlockSize(), act.BlockSize())
		wb, _ := typ.RowBytes(bs)
		ab, _ := act.RowBytes(bs)
		s[t] = dotShape{bs, wb, ab}
	}
	return s
}()
