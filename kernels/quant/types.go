// Package quant knows the tensor element types of GGUF files: their ids, their
// block layouts, how to turn blocks back into float32 values, how to quantize
// activations, and the dot products between weight blocks and quantized
// activations. It is the one place in sovra that knows block sizes.
package quant

import (
	"fmt"
	"strings"
)

// Type is a tensor element type, numbered as in GGUF (ggml_type).
type Type uint32

// The element types sovra knows. The numbers are fixed by the GGUF format.
const (
	F32  Type = 0
	F16  Type = 1
	Q4_0 Type = 2
	Q4_1 Type = 3
	Q5_0 Type = 6
	Q5_1 Type = 7
	Q8_0 Type = 8
	Q8_1 Type = 9
	Q2_K Type = 10
	Q3_K Type = 11
	Q4_K Type = 12
	Q5_K Type = 13
	Q6_K Type = 14
	Q8_K Type = 15
	I8   Type = 24
	I16  Type = 25
	I32  Type = 26
	I64  Type = 27
	F64  Type = 28
	BF16 Type = 30
)

// QK is the number of elements in one block of the 32-element formats
// (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1).
const QK = 32

// QKK is the number of elements in one super-block of the K-quant formats.
const QKK = 256

type layout struct {
	name       string
	blockSize  int // elements per block
	blockBytes int // bytes per block
}

var layouts = map[Type]layout{
	F32:  {"F32", 1, 4},
	F16:  {"F16", 1, 2},
	BF16: {"BF16", 1, 2},
	F64:  {"F64", 1, 8},
	I8:   {"I8", 1, 1},
	I16:  {"I16", 1, 2},
	I32:  {"I32", 1, 4},
	I64:  {"I64", 1, 8},
	Q4_0: {"Q4_0", QK, 2 + QK/2},
	Q4_1: {"Q4_1", QK, 4 + QK/2},
	Q5_0: {"Q5_0", QK, 2 + 4 + QK/2},
	Q5_1: {"Q5_1", QK, 4 + 4 + QK/2},
	Q8_0: {"Q8_0", QK, 2 + QK},
	Q8_1: {"Q8_1", QK, 4 + QK},
	Q2_K: {"Q2_K", QKK, QKK/16 + QKK/4 + 2 + 2},
	Q3_K: {"Q3_K", QKK, QKK/8 + QKK/4 + 12 + 2},
	Q4_K: {"Q4_K", QKK, 2 + 2 + 12 + QKK/2},
	Q5_K: {"Q5_K", QKK, 2 + 2 + 12 + QKK/8 + QKK/2},
	Q6_K: {"Q6_K", QKK, QKK/2 + QKK/4 + QKK/16 + 2},
	Q8_K: {"Q8_K", QKK, 4 + QKK + QKK/16*2},
}

// Known reports whether sovra knows the layout of t.
func (t Type) Known() bool {
	_, ok := layouts[t]
	return ok
}

// String returns the type's name as llama.cpp spells it ("Q4_K", "F16").
func (t Type) String() string {
	if l, ok := layouts[t]; ok {
		return l.name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// BlockSize is the number of elements in one block of t (1 for plain types).
// It is 0 for an unknown type.
func (t Type) BlockSize() int { return layouts[t].blockSize }

// BlockBytes is the number of bytes in one block of t. It is 0 for an unknown
// type.
func (t Type) BlockBytes() int { return layouts[t].blockBytes }

// RowBytes returns the number of bytes that n elements of type t occupy.
// n must be a multiple of t's block size.
func (t Type) RowBytes(n int) (int, error) {
	l, ok := layouts[t]
	if !ok {
		return 0, fmt.Errorf("quant: unknown type %d", uint32(t))
	}
	if n%l.blockSize != 0 {
		return 0, fmt.Errorf("quant: %d elements of %s are not a whole number of %d-element blocks", n, l.name, l.blockSize)
	}
	return n / l.blockSize * l.blockBytes, nil
}

// ParseType returns the type named s (case-insensitive, as in "q4_0").
func ParseType(s string) (Type, error) {
	for t, l := range layouts {
		if strings.EqualFold(l.name, s) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("quant: unknown type %q", s)
}
