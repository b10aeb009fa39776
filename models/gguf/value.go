package gguf

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// ValueType is the type of a metadata value, numbered as in the GGUF format.
type ValueType uint32

// The metadata value types. The numbers are fixed by the GGUF format.
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7
	TypeString  ValueType = 8
	TypeArray   ValueType = 9
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12
)

var valueTypeNames = [...]string{
	"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
	"bool", "string", "array", "uint64", "int64", "float64",
}

// String returns the type's name in Go spelling ("uint32", "string", "array").
func (t ValueType) String() string {
	if t.known() {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("ValueType(%d)", uint32(t))
}

func (t ValueType) known() bool { return t < ValueType(len(valueTypeNames)) }

// size is the encoded size of a scalar of type t: 0 for strings, arrays and
// unknown types, whose size is not fixed.
func (t ValueType) size() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

func (t ValueType) signed() bool {
	return t == TypeInt8 || t == TypeInt16 || t == TypeInt32 || t == TypeInt64
}

func (t ValueType) unsigned() bool {
	return t == TypeUint8 || t == TypeUint16 || t == TypeUint32 || t == TypeUint64
}

// maxNesting is how deep arrays may nest: an array of arrays is 2 deep.
const maxNesting = 8

// Value is one metadata value: a scalar, a string, or an array whose elements
// all have one type (arrays of arrays may mix element types between the inner
// arrays). The zero Value is the uint8 0. Values are immutable.
//
// Arrays are stored compactly as typed Go slices ([]uint32, []string, ...),
// not as a Value per element.
type Value struct {
	typ  ValueType
	elem ValueType // element type, for arrays
	// bits holds a scalar: unsigned integers zero-extended, signed integers
	// sign-extended, float32 and float64 as their IEEE bits, bool as 0 or 1.
	bits uint64
	str  string
	// arr holds an array: a []uint8 ... []float64, []bool, []string, or
	// []Value of arrays for an array of arrays.
	arr any
}

// Type returns the type of v.
func (v Value) Type() ValueType { return v.typ }

// ElemType returns the element type of an array, and 0 (TypeUint8) for other
// values.
func (v Value) ElemType() ValueType { return v.elem }

// Len returns the number of elements of an array, and 0 for other values.
func (v Value) Len() int {
	switch a := v.arr.(type) {
	case []uint8:
		return len(a)
	case []int8:
		return len(a)
	case []uint16:
		return len(a)
	case []int16:
		return len(a)
	case []uint32:
		return len(a)
	case []int32:
		return len(a)
	case []float32:
		return len(a)
	case []bool:
		return len(a)
	case []string:
		return len(a)
	case []Value:
		return len(a)
	case []uint64:
		return len(a)
	case []int64:
		return len(a)
	case []float64:
		return len(a)
	}
	return 0
}

// Index returns element i of an array. Like indexing a slice, it panics if v
// is not an array or i is out of range.
func (v Value) Index(i int) Value {
	switch a := v.arr.(type) {
	case []uint8:
		return Value{typ: TypeUint8, bits: uint64(a[i])}
	case []int8:
		return Value{typ: TypeInt8, bits: uint64(int64(a[i]))}
	case []uint16:
		return Value{typ: TypeUint16, bits: uint64(a[i])}
	case []int16:
		return Value{typ: TypeInt16, bits: uint64(int64(a[i]))}
	case []uint32:
		return Value{typ: TypeUint32, bits: uint64(a[i])}
	case []int32:
		return Value{typ: TypeInt32, bits: uint64(int64(a[i]))}
	case []float32:
		return Value{typ: TypeFloat32, bits: uint64(math.Float32bits(a[i]))}
	case []bool:
		return boolValue(a[i])
	case []string:
		return Value{typ: TypeString, str: a[i]}
	case []Value:
		return a[i]
	case []uint64:
		return Value{typ: TypeUint64, bits: a[i]}
	case []int64:
		return Value{typ: TypeInt64, bits: uint64(a[i])}
	case []float64:
		return Value{typ: TypeFloat64, bits: math.Float64bits(a[i])}
	}
	panic(fmt.Sprintf("gguf: Index of a %s value", v.typ))
}

// Uint returns an unsigned integer, or a signed one that is not negative.
func (v Value) Uint() (uint64, bool) {
	switch {
	case v.typ.unsigned():
		return v.bits, true
	case v.typ.signed() && int64(v.bits) >= 0:
		return v.bits, true
	}
	return 0, false
}

// Int returns an integer of any type whose value fits in an int64.
func (v Value) Int() (int64, bool) {
	switch {
	case v.typ.signed():
		return int64(v.bits), true
	case v.typ.unsigned() && v.bits <= math.MaxInt64:
		return int64(v.bits), true
	}
	return 0, false
}

// Float returns a float32 or float64, or an integer converted to float64.
func (v Value) Float() (float64, bool) {
	switch {
	case v.typ == TypeFloat32:
		return float64(math.Float32frombits(uint32(v.bits))), true
	case v.typ == TypeFloat64:
		return math.Float64frombits(v.bits), true
	case v.typ.signed():
		return float64(int64(v.bits)), true
	case v.typ.unsigned():
		return float64(v.bits), true
	}
	return 0, false
}

// Bool returns a bool.
func (v Value) Bool() (bool, bool) { return v.bits != 0, v.typ == TypeBool }

// Text returns the contents of a string value. (String formats any value for
// reading, quoting strings.)
func (v Value) Text() (string, bool) { return v.str, v.typ == TypeString }

// Strings returns an array of strings. The slice is shared with v: do not
// modify it.
func (v Value) Strings() ([]string, bool) {
	a, ok := v.arr.([]string)
	return a, ok
}

// Float32s returns an array of float32, float64 or integers as float32s. A
// float32 array is returned as is, shared with v (do not modify it); other
// types are converted into a new slice.
func (v Value) Float32s() ([]float32, bool) {
	if a, ok := v.arr.([]float32); ok {
		return a, true
	}
	if v.typ != TypeArray || !(v.elem == TypeFloat64 || v.elem.signed() || v.elem.unsigned()) {
		return nil, false
	}
	out := make([]float32, v.Len())
	for i := range out {
		x, _ := v.Index(i).Float()
		out[i] = float32(x)
	}
	return out, true
}

// Int32s returns an array of any integer type as int32s; ok is false if an
// element does not fit. An int32 array is returned as is, shared with v (do
// not modify it); other types are converted into a new slice.
func (v Value) Int32s() ([]int32, bool) {
	if a, ok := v.arr.([]int32); ok {
		return a, true
	}
	if v.typ != TypeArray || !(v.elem.signed() || v.elem.unsigned()) {
		return nil, false
	}
	out := make([]int32, v.Len())
	for i := range out {
		x, ok := v.Index(i).Int()
		if !ok || x != int64(int32(x)) {
			return nil, false
		}
		out[i] = int32(x)
	}
	return out, true
}

// String formats v for reading: numbers and bools as Go prints them, strings
// quoted, arrays as their length, element type and first few elements, as in
// [32000]string{"<unk>", "<s>", "</s>", ...}.
func (v Value) String() string {
	var b strings.Builder
	budget := 8 // elements shown in all, however deeply arrays nest
	v.format(&b, &budget)
	return b.String()
}

// format appends v to b, showing at most *budget array elements.
func (v Value) format(b *strings.Builder, budget *int) {
	var buf [32]byte
	switch {
	case v.typ == TypeArray:
		n := v.Len()
		fmt.Fprintf(b, "[%d]%s{", n, v.elem)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			if *budget <= 0 {
				b.WriteString("...")
				break
			}
			*budget--
			v.Index(i).format(b, budget)
		}
		b.WriteByte('}')
	case v.typ == TypeString:
		b.WriteString(strconv.Quote(v.str))
	case v.typ == TypeBool:
		b.WriteString(strconv.FormatBool(v.bits != 0))
	case v.typ == TypeFloat32:
		b.Write(strconv.AppendFloat(buf[:0], float64(math.Float32frombits(uint32(v.bits))), 'g', -1, 32))
	case v.typ == TypeFloat64:
		b.Write(strconv.AppendFloat(buf[:0], math.Float64frombits(v.bits), 'g', -1, 64))
	case v.typ.signed():
		b.Write(strconv.AppendInt(buf[:0], int64(v.bits), 10))
	default:
		b.Write(strconv.AppendUint(buf[:0], v.bits, 10))
	}
}

func boolValue(x bool) Value {
	if x {
		return Value{typ: TypeBool, bits: 1}
	}
	return Value{typ: TypeBool}
}

// depth returns how deeply v's arrays nest: 0 for a scalar, 1 for an array of
// scalars.
func (v Value) depth() int {
	inner, ok := v.arr.([]Value)
	if !ok {
		if v.typ == TypeArray {
			return 1
		}
		return 0
	}
	d := 0
	for _, w := range inner {
		d = max(d, w.depth())
	}
	return 1 + d
}

// ValueOf converts a Go value to a metadata Value. It accepts:
//
//   - a Value, returned as is;
//   - uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32,
//     float64, bool and string, as the GGUF type of the same name;
//   - slices of those types, as arrays (the slice is copied);
//   - arrays of arrays: a [][]T (any depth), a []Value, or a []any, whose
//     elements must each convert to an array (they may differ in element
//     type). A []any of scalars is rejected: use a typed slice.
//
// int and uint are rejected because GGUF has no machine-sized integers; pick
// the size readers expect (llama.cpp reads most counts as uint32).
func ValueOf(x any) (Value, error) {
	v, err := valueOf(x)
	if err != nil {
		return Value{}, err
	}
	if d := v.depth(); d > maxNesting {
		return Value{}, fmt.Errorf("gguf: arrays nest %d deep, more than %d", d, maxNesting)
	}
	return v, nil
}

func valueOf(x any) (Value, error) {
	switch x := x.(type) {
	case Value:
		return x, nil
	case uint8:
		return Value{typ: TypeUint8, bits: uint64(x)}, nil
	case int8:
		return Value{typ: TypeInt8, bits: uint64(int64(x))}, nil
	case uint16:
		return Value{typ: TypeUint16, bits: uint64(x)}, nil
	case int16:
		return Value{typ: TypeInt16, bits: uint64(int64(x))}, nil
	case uint32:
		return Value{typ: TypeUint32, bits: uint64(x)}, nil
	case int32:
		return Value{typ: TypeInt32, bits: uint64(int64(x))}, nil
	case uint64:
		return Value{typ: TypeUint64, bits: x}, nil
	case int64:
		return Value{typ: TypeInt64, bits: uint64(x)}, nil
	case float32:
		return Value{typ: TypeFloat32, bits: uint64(math.Float32bits(x))}, nil
	case float64:
		return Value{typ: TypeFloat64, bits: math.Float64bits(x)}, nil
	case bool:
		return boolValue(x), nil
	case string:
		return Value{typ: TypeString, str: x}, nil
	case []uint8:
		return arrayOf(TypeUint8, slices.Clone(x)), nil
	case []int8:
		return arrayOf(TypeInt8, slices.Clone(x)), nil
	case []uint16:
		return arrayOf(TypeUint16, slices.Clone(x)), nil
	case []int16:
		return arrayOf(TypeInt16, slices.Clone(x)), nil
	case []uint32:
		return arrayOf(TypeUint32, slices.Clone(x)), nil
	case []int32:
		return arrayOf(TypeInt32, slices.Clone(x)), nil
	case []uint64:
		return arrayOf(TypeUint64, slices.Clone(x)), nil
	case []int64:
		return arrayOf(TypeInt64, slices.Clone(x)), nil
	case []float32:
		return arrayOf(TypeFloat32, slices.Clone(x)), nil
	case []float64:
		return arrayOf(TypeFloat64, slices.Clone(x)), nil
	case []bool:
		return arrayOf(TypeBool, slices.Clone(x)), nil
	case []string:
		return arrayOf(TypeString, slices.Clone(x)), nil
	case int, uint:
		return Value{}, fmt.Errorf("gguf: %T has no GGUF type; use a sized integer such as uint32 or int32", x)
	}
	// Arrays of arrays: []Value, []any, [][]T.
	rv := reflect.ValueOf(x)
	if rv.Kind() != reflect.Slice {
		return Value{}, fmt.Errorf("gguf: cannot store a %T as a metadata value", x)
	}
	inner := make([]Value, rv.Len())
	for i := range inner {
		w, err := valueOf(rv.Index(i).Interface())
		if err != nil {
			return Value{}, err
		}
		if w.typ != TypeArray {
			return Value{}, fmt.Errorf("gguf: element %d of a %T is a %s, not an array; use a typed slice for an array of scalars", i, x, w.typ)
		}
		inner[i] = w
	}
	return arrayOf(TypeArray, inner), nil
}

func arrayOf(elem ValueType, slice any) Value {
	return Value{typ: TypeArray, elem: elem, arr: slice}
}
