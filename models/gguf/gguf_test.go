package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"sovra/kernels/quant"
)

// sharedModels is where the real model files live, relative to this package.
const sharedModels = "../../../shared/models"

// knownTypes returns every tensor type package quant knows.
func knownTypes() []quant.Type {
	var ts []quant.Type
	for t := quant.Type(0); t < 256; t++ {
		if t.Known() {
			ts = append(ts, t)
		}
	}
	return ts
}

// encode writes w to a byte slice.
func encode(t testing.TB, w *Writer) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := w.WriteTo(&buf)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d bytes", n, buf.Len())
	}
	return buf.Bytes()
}

func mustAddKV(t testing.TB, w *Writer, key string, v any) {
	t.Helper()
	if err := w.AddKV(key, v); err != nil {
		t.Fatalf("AddKV(%q): %v", key, err)
	}
}

func mustAddTensor(t testing.TB, w *Writer, name string, typ quant.Type, dims []uint64, data []byte) {
	t.Helper()
	if err := w.AddTensor(name, typ, dims, data); err != nil {
		t.Fatalf("AddTensor(%q): %v", name, err)
	}
}

// randomData returns the bytes of a tensor of type typ and shape dims, filled
// with random bytes.
func randomData(rng *rand.Rand, typ quant.Type, dims []uint64) []byte {
	n := uint64(typ.BlockBytes()) * dims[0] / uint64(typ.BlockSize())
	for _, d := range dims[1:] {
		n *= d
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// sameValue reports whether a and b hold the same value, comparing floats by
// their bits so that NaNs compare equal.
func sameValue(a, b Value) bool {
	if a.typ != b.typ || a.elem != b.elem || a.bits != b.bits || a.str != b.str || a.Len() != b.Len() {
		return false
	}
	for i := range a.Len() {
		if !sameValue(a.Index(i), b.Index(i)) {
			return false
		}
	}
	return true
}

// allValues is one metadata value of every kind the writer accepts.
var allValues = []struct {
	key  string
	v    any
	typ  ValueType
	elem ValueType
	n    int
}{
	{"u8", uint8(200), TypeUint8, 0, 0},
	{"i8", int8(-100), TypeInt8, 0, 0},
	{"u16", uint16(65535), TypeUint16, 0, 0},
	{"i16", int16(-32768), TypeInt16, 0, 0},
	{"u32", uint32(4000000000), TypeUint32, 0, 0},
	{"i32", int32(-2000000000), TypeInt32, 0, 0},
	{"u64", uint64(math.MaxUint64), TypeUint64, 0, 0},
	{"i64", int64(math.MinInt64), TypeInt64, 0, 0},
	{"f32", float32(1.5), TypeFloat32, 0, 0},
	{"f32.nan", math.Float32frombits(0x7fa00001), TypeFloat32, 0, 0}, // signalling NaN with a payload
	{"f32.negzero", float32(math.Copysign(0, -1)), TypeFloat32, 0, 0},
	{"f64", math.Inf(-1), TypeFloat64, 0, 0},
	{"f64.small", 5e-324, TypeFloat64, 0, 0},
	{"bool.true", true, TypeBool, 0, 0},
	{"bool.false", false, TypeBool, 0, 0},
	{"str", "héllo\x00wörld\n", TypeString, 0, 0},
	{"str.empty", "", TypeString, 0, 0},
	{"a.u8", []uint8{0, 1, 255}, TypeArray, TypeUint8, 3},
	{"a.i8", []int8{-128, 0, 127}, TypeArray, TypeInt8, 3},
	{"a.u16", []uint16{1, 65535}, TypeArray, TypeUint16, 2},
	{"a.i16", []int16{-32768, 32767}, TypeArray, TypeInt16, 2},
	{"a.u32", []uint32{1, 2, math.MaxUint32}, TypeArray, TypeUint32, 3},
	{"a.i32", []int32{math.MinInt32, -1, math.MaxInt32}, TypeArray, TypeInt32, 3},
	{"a.u64", []uint64{0, math.MaxUint64}, TypeArray, TypeUint64, 2},
	{"a.i64", []int64{math.MinInt64, math.MaxInt64}, TypeArray, TypeInt64, 2},
	{"a.f32", []float32{0, -1.25, float32(math.Inf(1)), float32(math.NaN())}, TypeArray, TypeFloat32, 4},
	{"a.f64", []float64{math.Pi, math.NaN(), -0.0}, TypeArray, TypeFloat64, 3},
	{"a.bool", []bool{true, false, true}, TypeArray, TypeBool, 3},
	{"a.str", []string{"a", "", "▁the", "Ġ Ġ"}, TypeArray, TypeString, 4},
	{"a.empty", []float32{}, TypeArray, TypeFloat32, 0},
	{"a.nil", []string(nil), TypeArray, TypeString, 0},
	{"aa.i32", [][]int32{{1, 2, 3}, {}, {-4}}, TypeArray, TypeArray, 3},
	{"aaa.str", [][][]string{{{"x"}, {"y", "z"}}, {}}, TypeArray, TypeArray, 2},
	{"aa.mixed", []any{[]string{"a", "b"}, []float32{1, 2, 3}, [][]bool{{true}}}, TypeArray, TypeArray, 3},
	{"aa.empty", [][]uint8{}, TypeArray, TypeArray, 0},
}

func TestRoundTripValues(t *testing.T) {
	w := NewWriter()
	for _, c := range allValues {
		mustAddKV(t, w, c.key, c.v)
	}
	nested, err := ValueOf([][]uint16{{7}})
	if err != nil {
		t.Fatal(err)
	}
	mustAddKV(t, w, "aa.values", []Value{nested, nested})
	data := encode(t, w)
	f, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if f.Version != 3 || f.Alignment != DefaultAlignment || len(f.Tensors) != 0 {
		t.Errorf("Version %d, Alignment %d, %d tensors; want 3, %d, 0", f.Version, f.Alignment, len(f.Tensors), DefaultAlignment)
	}
	if len(f.KVs) != len(allValues)+1 {
		t.Fatalf("%d KVs, want %d", len(f.KVs), len(allValues)+1)
	}
	for i, c := range allValues {
		if f.KVs[i].Key != c.key {
			t.Errorf("KV %d is %q, want %q (file order)", i, f.KVs[i].Key, c.key)
		}
		got, ok := f.Get(c.key)
		if !ok {
			t.Errorf("Get(%q) missing", c.key)
			continue
		}
		want, err := ValueOf(c.v)
		if err != nil {
			t.Fatalf("ValueOf(%q): %v", c.key, err)
		}
		if !sameValue(got, want) {
			t.Errorf("%s = %v, want %v", c.key, got, want)
		}
		if got.Type() != c.typ || got.ElemType() != c.elem || got.Len() != c.n {
			t.Errorf("%s: Type %v ElemType %v Len %d, want %v %v %d", c.key, got.Type(), got.ElemType(), got.Len(), c.typ, c.elem, c.n)
		}
	}
	if v, _ := f.Get("aa.values"); v.Len() != 2 || v.Index(1).Index(0).Index(0).String() != "7" {
		t.Errorf("aa.values = %v", v)
	}
	// Writing what was read gives the same bytes.
	w2 := NewWriter()
	for _, kv := range f.KVs {
		mustAddKV(t, w2, kv.Key, kv.Value)
	}
	if again := encode(t, w2); !bytes.Equal(again, data) {
		t.Errorf("rewriting the parsed metadata changed the file")
	}
}

func TestRoundTripTensors(t *testing.T) {
	for _, align := range []uint32{0, 1, 64, 4096} {
		rng := rand.New(rand.NewPCG(1, uint64(align)))
		w := NewWriter()
		mustAddKV(t, w, "general.architecture", "test")
		if align != 0 {
			mustAddKV(t, w, AlignmentKey, align)
		}
		type tensor struct {
			name string
			typ  quant.Type
			dims []uint64
			data []byte
		}
		var want []tensor
		for _, typ := range knownTypes() {
			bs := uint64(typ.BlockSize())
			for i, dims := range [][]uint64{{bs}, {bs * 2, 3}, {bs, 1, 2}, {bs * 3, 2, 1, 2}} {
				tt := tensor{typ.String() + "." + string(rune('a'+i)), typ, dims, randomData(rng, typ, dims)}
				mustAddTensor(t, w, tt.name, tt.typ, tt.dims, tt.data)
				want = append(want, tt)
			}
		}
		data := encode(t, w)
		f, err := Parse(data)
		if err != nil {
			t.Fatalf("align %d: Parse: %v", align, err)
		}
		wantAlign := int(align)
		if align == 0 {
			wantAlign = DefaultAlignment
		}
		if f.Alignment != wantAlign || f.DataOffset()%int64(wantAlign) != 0 {
			t.Errorf("align %d: Alignment %d, DataOffset %d", align, f.Alignment, f.DataOffset())
		}
		if len(f.Tensors) != len(want) {
			t.Fatalf("align %d: %d tensors, want %d", align, len(f.Tensors), len(want))
		}
		for i, tt := range want {
			ti, ok := f.Tensor(tt.name)
			if !ok || ti != &f.Tensors[i] {
				t.Fatalf("Tensor(%q) = %p, %v; want tensor %d", tt.name, ti, ok, i)
			}
			if ti.Type != tt.typ || !equalDims(ti.Dims, tt.dims) || ti.Size != uint64(len(tt.data)) {
				t.Errorf("%s: %s %v size %d, want %s %v size %d", tt.name, ti.Type, ti.Dims, ti.Size, tt.typ, tt.dims, len(tt.data))
			}
			if ti.Offset%uint64(wantAlign) != 0 {
				t.Errorf("%s: offset %d not aligned to %d", tt.name, ti.Offset, wantAlign)
			}
			elems := uint64(1)
			for _, d := range tt.dims {
				elems *= d
			}
			if ti.Elements() != elems {
				t.Errorf("%s: Elements() = %d, want %d", tt.name, ti.Elements(), elems)
			}
			got := f.TensorData(ti)
			if !bytes.Equal(got, tt.data) || cap(got) != len(got) {
				t.Errorf("%s: TensorData differs (len %d cap %d, want len %d)", tt.name, len(got), cap(got), len(tt.data))
			}
		}
		if _, ok := f.Tensor("missing"); ok {
			t.Errorf("Tensor(missing) found")
		}
	}
}

func equalDims(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGetters(t *testing.T) {
	w := NewWriter()
	for _, c := range allValues {
		mustAddKV(t, w, c.key, c.v)
	}
	mustAddKV(t, w, "i64.neg", int64(-5))
	mustAddKV(t, w, "a.u32.big", []uint32{1, 1 << 31})
	mustAddKV(t, w, "a.i64.small", []int64{-5, 7})
	f, err := Parse(encode(t, w))
	if err != nil {
		t.Fatal(err)
	}

	uints := map[string]uint64{"u8": 200, "u16": 65535, "u32": 4000000000, "u64": math.MaxUint64}
	ints := map[string]int64{"u8": 200, "i8": -100, "u16": 65535, "i16": -32768, "u32": 4000000000, "i32": -2000000000, "i64": math.MinInt64, "i64.neg": -5}
	floats := map[string]float64{"f32": 1.5, "f64": math.Inf(-1), "f64.small": 5e-324, "i8": -100, "u64": math.MaxUint64, "i64": math.MinInt64}
	for _, kv := range f.KVs {
		k := kv.Key
		if u, ok := f.Uint(k); ok != (uints[k] != 0) || u != uints[k] {
			t.Errorf("Uint(%q) = %d, %v; want %d", k, u, ok, uints[k])
		}
		want, isInt := ints[k]
		if k == "u64" {
			isInt = false // does not fit
		}
		if k == "u64" || isInt {
			if i, ok := f.Int(k); ok != isInt || i != want {
				t.Errorf("Int(%q) = %d, %v; want %d, %v", k, i, ok, want, isInt)
			}
		} else if _, ok := f.Int(k); ok {
			t.Errorf("Int(%q) ok for a %s", k, kv.Value.Type())
		}
		if x, ok := f.Float(k); ok {
			if fw, listed := floats[k]; listed && x != fw {
				t.Errorf("Float(%q) = %v, want %v", k, x, fw)
			}
			if kv.Value.Type() == TypeString || kv.Value.Type() == TypeBool || kv.Value.Type() == TypeArray {
				t.Errorf("Float(%q) ok for a %s", k, kv.Value.Type())
			}
		} else if _, listed := floats[k]; listed {
			t.Errorf("Float(%q) not ok", k)
		}
	}
	if b, ok := f.Bool("bool.true"); !ok || !b {
		t.Errorf("Bool(bool.true) = %v, %v", b, ok)
	}
	if b, ok := f.Bool("bool.false"); !ok || b {
		t.Errorf("Bool(bool.false) = %v, %v", b, ok)
	}
	if _, ok := f.Bool("u8"); ok {
		t.Errorf("Bool(u8) ok")
	}
	if s, ok := f.String("str"); !ok || s != "héllo\x00wörld\n" {
		t.Errorf("String(str) = %q, %v", s, ok)
	}
	for _, k := range []string{"u8", "a.str", "missing"} {
		if _, ok := f.String(k); ok {
			t.Errorf("String(%q) ok", k)
		}
	}
	if s, ok := f.Strings("a.str"); !ok || strings.Join(s, "|") != "a||▁the|Ġ Ġ" {
		t.Errorf("Strings(a.str) = %q, %v", s, ok)
	}
	for _, k := range []string{"str", "a.i32", "missing"} {
		if _, ok := f.Strings(k); ok {
			t.Errorf("Strings(%q) ok", k)
		}
	}
	if x, ok := f.Float32s("a.f64"); !ok || len(x) != 3 || x[0] != math.Pi || !math.IsNaN(float64(x[1])) {
		t.Errorf("Float32s(a.f64) = %v, %v", x, ok)
	}
	if x, ok := f.Float32s("a.i8"); !ok || len(x) != 3 || x[0] != -128 || x[2] != 127 {
		t.Errorf("Float32s(a.i8) = %v, %v", x, ok)
	}
	if x, ok := f.Float32s("a.f32"); !ok || len(x) != 4 || x[1] != -1.25 {
		t.Errorf("Float32s(a.f32) = %v, %v", x, ok)
	}
	for _, k := range []string{"a.str", "a.bool", "aa.i32", "f32", "missing"} {
		if _, ok := f.Float32s(k); ok {
			t.Errorf("Float32s(%q) ok", k)
		}
	}
	if x, ok := f.Int32s("a.u8"); !ok || len(x) != 3 || x[2] != 255 {
		t.Errorf("Int32s(a.u8) = %v, %v", x, ok)
	}
	if x, ok := f.Int32s("a.i64.small"); !ok || len(x) != 2 || x[0] != -5 {
		t.Errorf("Int32s(a.i64.small) = %v, %v", x, ok)
	}
	if x, ok := f.Int32s("a.i32"); !ok || len(x) != 3 || x[0] != math.MinInt32 {
		t.Errorf("Int32s(a.i32) = %v, %v", x, ok)
	}
	for _, k := range []string{"a.u32.big", "a.f32", "a.str", "i32", "missing"} {
		if _, ok := f.Int32s(k); ok {
			t.Errorf("Int32s(%q) ok", k)
		}
	}
	if _, ok := f.Get("missing"); ok {
		t.Errorf("Get(missing) ok")
	}
}

func TestValueString(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{uint8(7), "7"},
		{int64(-3), "-3"},
		{float32(0.1), "0.1"},
		{1e-5, "1e-05"},
		{true, "true"},
		{"a\"b\n", `"a\"b\n"`},
		{[]int32{1, 2, 3}, "[3]int32{1, 2, 3}"},
		{[]string{}, "[0]string{}"},
		{[]uint16{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "[10]uint16{1, 2, 3, 4, 5, 6, 7, 8, ...}"},
		{[][]int8{{1, 2}, {3}}, "[2]array{[2]int8{1, 2}, [1]int8{3}}"},
		{[][]uint8{make([]uint8, 6), {1, 2}, {3}}, "[3]array{[6]uint8{0, 0, 0, 0, 0, 0}, [2]uint8{...}, ...}"},
		{make([][]uint8, 100), "[100]array{[0]uint8{}, [0]uint8{}, [0]uint8{}, [0]uint8{}, [0]uint8{}, [0]uint8{}, [0]uint8{}, [0]uint8{}, ...}"},
	}
	for _, tc := range tests {
		v, err := ValueOf(tc.v)
		if err != nil {
			t.Fatalf("ValueOf(%#v): %v", tc.v, err)
		}
		if got := v.String(); got != tc.want {
			t.Errorf("String of %#v = %s, want %s", tc.v, got, tc.want)
		}
	}
	if got := ValueType(42).String(); got != "ValueType(42)" {
		t.Errorf("ValueType(42).String() = %q", got)
	}
	if got := TypeFloat64.String(); got != "float64" {
		t.Errorf("TypeFloat64.String() = %q", got)
	}
}

func TestValueOfErrors(t *testing.T) {
	deep := any([]uint8{1})
	for range maxNesting - 1 {
		deep = []any{deep}
	}
	if _, err := ValueOf(deep); err != nil {
		t.Errorf("ValueOf(%d-deep arrays): %v", maxNesting, err)
	}
	for _, v := range []any{
		1, uint(1), []int{1}, [][]int{{1}}, map[string]int{}, struct{}{}, nil,
		[]any{uint8(1)}, []any{[]uint8{1}, "x"}, []any{deep},
	} {
		if _, err := ValueOf(v); err == nil {
			t.Errorf("ValueOf(%#v) succeeded", v)
		}
	}
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter()
	mustAddKV(t, w, "a", uint32(1))
	mustAddTensor(t, w, "t", quant.F32, []uint64{2}, make([]byte, 8))
	for _, c := range []struct {
		key  string
		v    any
		want string
	}{
		{"a", uint32(2), "duplicate"},
		{"", uint32(2), "empty"},
		{"b", 3, "sized integer"},
		{AlignmentKey, uint32(48), "power of two"},
		{AlignmentKey, uint32(0), "power of two"},
		{AlignmentKey, int32(32), "want uint32"},
	} {
		if err := w.AddKV(c.key, c.v); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("AddKV(%q, %v) = %v, want error containing %q", c.key, c.v, err, c.want)
		}
	}
	for _, c := range []struct {
		name string
		typ  quant.Type
		dims []uint64
		n    int
		want string
	}{
		{"t", quant.F32, []uint64{2}, 8, "duplicate"},
		{"u", quant.F32, []uint64{2}, 7, "7 bytes of data, want 8"},
		{"u", quant.Type(99), []uint64{2}, 8, "unknown tensor type 99"},
		{"u", quant.F32, nil, 8, "0 dimensions"},
		{"u", quant.F32, []uint64{1, 1, 1, 1, 1}, 4, "5 dimensions"},
		{"u", quant.Q4_0, []uint64{16}, 9, "not a multiple of the Q4_0 block size 32"},
		{"u", quant.F32, []uint64{2, 0}, 0, "is zero"},
		{"u", quant.F32, []uint64{1 << 32, 1 << 32}, 0, "overflow"},
	} {
		err := w.AddTensor(c.name, c.typ, c.dims, make([]byte, c.n))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("AddTensor(%q, %s, %v) = %v, want error containing %q", c.name, c.typ, c.dims, err, c.want)
		}
	}
	// A file without tensors has no data section, so a large alignment
	// costs no padding.
	w2 := NewWriter()
	mustAddKV(t, w2, AlignmentKey, uint32(1<<30))
	if data := encode(t, w2); len(data) > 100 {
		t.Errorf("a file with only an alignment is %d bytes", len(data))
	} else if f, err := Parse(data); err != nil || f.Alignment != 1<<30 {
		t.Errorf("Parse: %v", err)
	}

	// The failed calls left the writer as it was.
	f, err := Parse(encode(t, w))
	if err != nil || len(f.KVs) != 1 || len(f.Tensors) != 1 {
		t.Errorf("after failed adds: %v, %d KVs, %d tensors", err, len(f.KVs), len(f.Tensors))
	}
}

// raw builds GGUF bytes field by field, for files the Writer refuses to make.
type raw []byte

func header(tensors, kvs uint64) raw { return raw(magic).u32(3).u64(tensors).u64(kvs) }

func (r raw) u32(x uint32) raw    { return binary.LittleEndian.AppendUint32(r, x) }
func (r raw) u64(x uint64) raw    { return binary.LittleEndian.AppendUint64(r, x) }
func (r raw) str(s string) raw    { return append(r.u64(uint64(len(s))), s...) }
func (r raw) bytes(b ...byte) raw { return append(r, b...) }

// kv appends a key and a value type; the caller appends the value.
func (r raw) kv(key string, t ValueType) raw { return r.str(key).u32(uint32(t)) }

// tensor appends a tensor info.
func (r raw) tensor(name string, typ quant.Type, offset uint64, dims ...uint64) raw {
	r = r.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		r = r.u64(d)
	}
	return r.u32(uint32(typ)).u64(offset)
}

// data pads to 32 bytes and appends n zero bytes of tensor data.
func (r raw) data(n int) raw {
	for len(r)%DefaultAlignment != 0 {
		r = append(r, 0)
	}
	return append(r, make([]byte, n)...)
}

// nested returns n arrays nested inside each other around one uint8.
func nested(r raw, n int) raw {
	for range n {
		r = r.u32(uint32(TypeArray)).u64(1)
	}
	return r.u32(uint32(TypeUint8)).u64(1).bytes(7)
}

func TestMalformed(t *testing.T) {
	be := raw(magic).bytes(0, 0, 0, 3)
	tests := []struct {
		name string
		data []byte
		kind error
		want string
	}{
		{"empty", nil, ErrTruncated, "0 bytes, too short"},
		{"magic prefix", []byte("GG"), ErrTruncated, "too short"},
		{"bad magic", []byte("GGML\x03\x00\x00\x00"), ErrNotGGUF, `starts with "GGML"`},
		{"short bad magic", []byte("G\x00"), ErrNotGGUF, "not"},
		{"no version", []byte("GGUF\x03"), ErrTruncated, "version at byte 4"},
		{"version 1", raw(magic).u32(1).u32(0).u32(0), ErrUnsupported, "version 1"},
		{"version 4", header(0, 0)[:4].u32(4).u64(0).u64(0), ErrUnsupported, "version 4"},
		{"big-endian", be.u64(0).u64(0), ErrUnsupported, "big-endian"},
		{"short header", header(0, 0)[:20], ErrTruncated, "metadata count at byte 16"},
		{"absurd kv count", header(0, 1<<40).kv("a", TypeUint8).bytes(1), ErrTruncated, "1099511627776 metadata entries"},
		{"absurd tensor count", header(1<<60, 1).kv("a", TypeUint8).bytes(1), ErrTruncated, "1152921504606846976 tensors"},
		{"absurd key length", header(0, 1).u64(1<<62).bytes(0, 0, 0, 0, 0, 0), ErrTruncated, "metadata entry 0: key at byte 32 needs 4611686018427387904 bytes"},
		{"empty key", header(0, 1).kv("", TypeUint8).bytes(1, 0), ErrMalformed, "metadata entry 0 has an empty key"},
		{"absurd string", header(0, 1).kv("k", TypeString).u64(1<<50).bytes(1, 2), ErrTruncated, `key "k": string at byte`},
		{"missing value", header(0, 1).kv("k", TypeUint32).bytes(1), ErrTruncated, `key "k": uint32 at byte 37 needs 4 bytes, but only 1 are left`},
		{"unknown value type", header(0, 1).kv("k", 13).u32(0), ErrMalformed, `key "k": unknown value type 13`},
		{"bool 2", header(0, 1).kv("k", TypeBool).bytes(2), ErrMalformed, "bool value 2"},
		{"bool array 2", header(0, 1).kv("k", TypeArray).u32(uint32(TypeBool)).u64(2).bytes(1, 2), ErrMalformed, "bool element 1 is 2"},
		{"unknown element type", header(0, 1).kv("k", TypeArray).u32(99).u64(0), ErrMalformed, "unknown element type 99"},
		{"element type 2^32-1", header(0, 1).kv("k", TypeArray).u32(math.MaxUint32).u64(0), ErrMalformed, "unknown element type 4294967295"},
		{"value type 2^32-1", header(0, 1).kv("k", math.MaxUint32).u64(0), ErrMalformed, "unknown value type 4294967295"},
		{"absurd array", header(0, 1).kv("k", TypeArray).u32(uint32(TypeUint32)).u64(1 << 61).u32(0), ErrTruncated, "2305843009213693952 uint32 elements cannot fit in the 4 bytes left"},
		{"absurd string array", header(0, 1).kv("k", TypeArray).u32(uint32(TypeString)).u64(1 << 40).str("x"), ErrTruncated, "string elements cannot fit"},
		{"lying string array", header(0, 1).kv("k", TypeArray).u32(uint32(TypeString)).u64(2).str("x").u64(5).bytes('a'), ErrTruncated, `key "k": element 1: string at byte`},
		{"absurd nested array", header(0, 1).kv("k", TypeArray).u32(uint32(TypeArray)).u64(1 << 40).u32(0).u64(0), ErrTruncated, "array elements cannot fit"},
		{"nested too deep", nested(header(0, 1).kv("k", TypeArray), maxNesting), ErrMalformed, "nests more than 8 deep"},
		{"duplicate key", header(0, 2).kv("k", TypeUint8).bytes(1).kv("k", TypeUint8).bytes(2), ErrMalformed, `duplicate key "k"`},
		{"alignment 0", header(0, 1).kv(AlignmentKey, TypeUint32).u32(0), ErrMalformed, "general.alignment is 0, not a power of two"},
		{"alignment 48", header(0, 1).kv(AlignmentKey, TypeUint32).u32(48), ErrMalformed, "48, not a power of two"},
		{"alignment 2^31", header(0, 1).kv(AlignmentKey, TypeUint32).u32(1 << 31), ErrMalformed, "general.alignment is 2147483648, more than 2147483647"},
		{"alignment type", header(0, 1).kv(AlignmentKey, TypeUint64).u64(32), ErrMalformed, "general.alignment has type uint64, want uint32"},
		{"short tensor info", header(1, 0).str("blk.0.ffn_down.weight").u32(2).u64(4), ErrTruncated, `tensor "blk.0.ffn_down.weight": dimensions at byte 57 needs 16 bytes, but only 8 are left`},
		{"no dimensions", header(1, 0).tensor("t", quant.F32, 0).data(64), ErrMalformed, `tensor "t": 0 dimensions, want 1 to 4`},
		{"five dimensions", header(1, 0).tensor("t", quant.F32, 0, 1, 1, 1, 1, 1).data(64), ErrMalformed, "5 dimensions"},
		{"zero dimension", header(1, 0).tensor("t", quant.F32, 0, 4, 0).data(64), ErrMalformed, "dimension 1 of [4 0] is zero"},
		{"element overflow", header(1, 0).tensor("t", quant.F32, 0, 1<<32, 1<<32).data(64), ErrMalformed, "overflow"},
		{"size overflow", header(1, 0).tensor("t", quant.F64, 0, 1<<61).data(64), ErrMalformed, "dimensions [2305843009213693952] of F64 overflow"},
		{"unknown tensor type", header(1, 0).tensor("t", 99, 0, 4).data(64), ErrUnsupported, `tensor "t": unknown tensor type 99`},
		{"block size", header(1, 0).tensor("t", quant.Q4_0, 0, 33).data(64), ErrMalformed, "first dimension 33 is not a multiple of the Q4_0 block size 32"},
		{"unaligned offset", header(1, 0).tensor("t", quant.F32, 4, 4).data(64), ErrMalformed, "offset 4 is not a multiple of the alignment 32"},
		{"offset past end", header(1, 0).tensor("t", quant.F32, 1<<40, 4).data(64), ErrTruncated, "runs past end of file (128 bytes)"},
		{"offset near 2^64", header(1, 0).tensor("t", quant.F32, math.MaxUint64-31, 4).data(64), ErrTruncated, "runs past end of file"},
		{"data past end", header(1, 0).tensor("blk.0.attn_q.weight", quant.F32, 32, 16).data(64), ErrTruncated, `tensor "blk.0.attn_q.weight": data [128, 192) runs past end of file (160 bytes)`},
		{"no data section", header(1, 0).tensor("t", quant.F32, 0, 4), ErrTruncated, "runs past end of file"},
		{"overlap", header(2, 0).tensor("a", quant.F32, 0, 16).tensor("b", quant.F32, 32, 16).data(128), ErrMalformed, `tensor "b": data [128, 192) overlaps tensor "a" at [96, 160)`},
		{"same offset", header(2, 0).tensor("a", quant.F32, 64, 8).tensor("b", quant.F32, 64, 8).data(128), ErrMalformed, "overlaps"},
		{"duplicate tensor", header(2, 0).tensor("a", quant.F32, 0, 8).tensor("a", quant.F32, 32, 8).data(64), ErrMalformed, `duplicate tensor name "a"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.data)
			if err == nil {
				t.Fatalf("Parse succeeded: %d KVs, %d tensors", len(f.KVs), len(f.Tensors))
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %q is not %v", err, tc.kind)
			}
			if !strings.HasPrefix(err.Error(), "gguf: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			checkOneKind(t, err)
		})
	}
}

// checkOneKind fails unless err wraps exactly one of the three base sentinels.
func checkOneKind(t testing.TB, err error) {
	t.Helper()
	n := 0
	for _, k := range []error{ErrNotGGUF, ErrTruncated, ErrMalformed} {
		if errors.Is(err, k) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("error %q wraps %d of ErrNotGGUF, ErrTruncated, ErrMalformed, want 1", err, n)
	}
}

// sampleFile builds a small file with every value type and a few tensors.
func sampleFile(t testing.TB) []byte {
	w := NewWriter()
	for _, c := range allValues {
		mustAddKV(t, w, c.key, c.v)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i, typ := range []quant.Type{quant.F32, quant.Q4_0, quant.Q6_K, quant.F16} {
		dims := []uint64{uint64(typ.BlockSize()), uint64(i + 1)}
		mustAddTensor(t, w, "blk."+typ.String()+".weight", typ, dims, randomData(rng, typ, dims))
	}
	return encode(t, w)
}

func TestVersion2(t *testing.T) {
	data := sampleFile(t)
	data[4] = 2
	f, err := Parse(data)
	if err != nil || f.Version != 2 {
		t.Fatalf("Parse of a version 2 file: %v", err)
	}
}

func TestTruncations(t *testing.T) {
	data := sampleFile(t)
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	last := f.Tensors[len(f.Tensors)-1]
	end := int(f.DataOffset() + int64(last.Offset+last.Size))
	for n := range len(data) + 1 {
		_, err := Parse(data[:n:n])
		switch {
		case n >= end && err != nil:
			t.Errorf("prefix of %d bytes (data ends at %d): %v", n, end, err)
		case n < end && !errors.Is(err, ErrTruncated):
			t.Errorf("prefix of %d bytes: error %v, want ErrTruncated", n, err)
		}
	}
}

// TestAllocations checks that lying counts cost no more memory than the bytes
// actually present justify.
func TestAllocations(t *testing.T) {
	filler := bytes.Repeat([]byte{0xff}, 1<<20)
	for _, tc := range []struct {
		name string
		data raw
	}{
		{"kv count", header(0, (1<<20)/14).kv("k", TypeUint8).bytes(1)},
		{"tensor count", header((1<<20)/40, 0).tensor("t", quant.F32, 0, 8)},
		{"nested array", header(0, 1).kv("k", TypeArray).u32(uint32(TypeArray)).u64((1 << 20) / 12)},
		{"string array", header(0, 1).kv("k", TypeArray).u32(uint32(TypeString)).u64((1 << 20) / 8)},
	} {
		data := append(tc.data, filler...)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Parse(data)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: Parse succeeded", tc.name)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 256<<10 {
			t.Errorf("%s: Parse of a %d-byte file that lies allocated %d bytes", tc.name, len(data), got)
		}
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()

	missing := filepath.Join(dir, "missing.gguf")
	_, err := Open(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Open(missing) = %v, want fs.ErrNotExist naming the path", err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Open(dir) = %v", err)
	}

	bad := filepath.Join(dir, "bad.gguf")
	os.WriteFile(bad, []byte("PK\x03\x04 a zip file"), 0o644)
	if _, err := Open(bad); !errors.Is(err, ErrNotGGUF) || !strings.HasPrefix(err.Error(), "gguf: "+bad+": ") {
		t.Errorf("Open(bad) = %v, want ErrNotGGUF naming the path", err)
	}
	empty := filepath.Join(dir, "empty.gguf")
	os.WriteFile(empty, nil, 0o644)
	if _, err := Open(empty); !errors.Is(err, ErrTruncated) {
		t.Errorf("Open(empty) = %v, want ErrTruncated", err)
	}

	data := sampleFile(t)
	good := filepath.Join(dir, "good.gguf")
	os.WriteFile(good, data, 0o644)
	f, err := Open(good)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Parse(data)
	for i := range want.Tensors {
		if !bytes.Equal(f.TensorData(&f.Tensors[i]), want.TensorData(&want.Tensors[i])) {
			t.Errorf("tensor %s differs between Open and Parse", f.Tensors[i].Name)
		}
	}
	if s, _ := f.String("str"); s != "héllo\x00wörld\n" {
		t.Errorf("metadata string %q", s)
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if d := f.TensorData(&f.Tensors[0]); d != nil {
		t.Errorf("TensorData after Close returned %d bytes", len(d))
	}
	// Metadata stays usable after Close: it was copied out of the mapping.
	if s, _ := f.String("str"); s != "héllo\x00wörld\n" {
		t.Errorf("metadata string after Close %q", s)
	}
	if err := want.Close(); err != nil || want.TensorData(&want.Tensors[0]) == nil {
		t.Errorf("Close of a parsed File: %v, or it dropped the data", err)
	}
	// A TensorInfo that does not belong to the file gets nil, not a panic.
	if d := want.TensorData(&TensorInfo{Offset: 1 << 40, Size: 1}); d != nil {
		t.Errorf("TensorData of a foreign tensor = %d bytes", len(d))
	}
}

// openShared opens a file in the shared models directory, skipping the test
// if it is absent.
func openShared(t testing.TB, name string) *File {
	t.Helper()
	path := filepath.Join(sharedModels, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("skipping: shared model files are absent (%v)", err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestRealFiles(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(sharedModels, "*.gguf"))
	if len(paths) == 0 {
		t.Skipf("skipping: no model files in %s", sharedModels)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f := openShared(t, filepath.Base(path))
			st, _ := os.Stat(path)
			if arch, ok := f.String("general.architecture"); !ok || arch == "" {
				t.Errorf("general.architecture = %q, %v", arch, ok)
			}
			var total uint64
			for i := range f.Tensors {
				ti := &f.Tensors[i]
				if d := f.TensorData(ti); uint64(len(d)) != ti.Size {
					t.Errorf("%s: TensorData has %d bytes, want %d", ti.Name, len(d), ti.Size)
				}
				total += ti.Size
			}
			// llama.cpp-style writers pack tensors with at most alignment-1
			// bytes of padding after each.
			section := uint64(st.Size() - f.DataOffset())
			if total > section || section-total >= uint64(len(f.Tensors)+1)*uint64(f.Alignment) {
				t.Errorf("tensors total %d bytes in a data section of %d", total, section)
			}
		})
	}
}

func TestLlama2TinyRandom(t *testing.T) {
	f := openShared(t, "llama-2-tiny-random.gguf")
	if arch, _ := f.String("general.architecture"); arch != "llama" {
		t.Errorf("general.architecture = %q, want llama", arch)
	}
	tokens, ok := f.Strings("tokenizer.ggml.tokens")
	if !ok || len(tokens) != 32000 || tokens[1] != "<s>" {
		t.Errorf("tokenizer.ggml.tokens: ok %v, %d entries", ok, len(tokens))
	}
	if scores, ok := f.Float32s("tokenizer.ggml.scores"); !ok || len(scores) != 32000 {
		t.Errorf("tokenizer.ggml.scores: ok %v, %d entries", ok, len(scores))
	}
	if types, ok := f.Int32s("tokenizer.ggml.token_type"); !ok || len(types) != 32000 || types[0] != 2 {
		t.Errorf("tokenizer.ggml.token_type: ok %v, %d entries", ok, len(types))
	}
	if n, ok := f.Uint("llama.block_count"); !ok || n != 1 {
		t.Errorf("llama.block_count = %d, %v", n, ok)
	}
	if eps, ok := f.Float("llama.attention.layer_norm_rms_epsilon"); !ok || math.Abs(eps-1e-5) > 1e-9 {
		t.Errorf("layer_norm_rms_epsilon = %v, %v", eps, ok)
	}
	emb, ok := f.Tensor("token_embd.weight")
	if !ok || emb.Type != quant.F16 || !equalDims(emb.Dims, []uint64{8, 32000}) || emb.Elements() != 256000 {
		t.Errorf("token_embd.weight = %+v", emb)
	}
}

func TestLlama3Vocab(t *testing.T) {
	f := openShared(t, "llama3.2-vocab.gguf")
	tokens, _ := f.Strings("tokenizer.ggml.tokens")
	merges, _ := f.Strings("tokenizer.ggml.merges")
	if len(tokens) != 128256 || len(merges) != 280147 || merges[0] != "Ġ Ġ" {
		t.Errorf("%d tokens, %d merges", len(tokens), len(merges))
	}
	if add, ok := f.Bool("tokenizer.ggml.add_bos_token"); !ok || !add {
		t.Errorf("add_bos_token = %v, %v", add, ok)
	}
}

func TestParityQ4_0(t *testing.T) {
	f := openShared(t, "parity-llama-Q4_0.gguf")
	types := map[quant.Type]int{}
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		types[ti.Type]++
		end := uint64(f.DataOffset()) + ti.Offset + ti.Size
		if d := f.TensorData(ti); len(d) != int(ti.Size) || end > uint64(f.DataOffset())+uint64(len(f.data)) {
			t.Errorf("%s: data [%d, %d) not inside the file", ti.Name, end-ti.Size, end)
		}
	}
	if types[quant.Q4_0] == 0 {
		t.Errorf("no Q4_0 tensors: %v", types)
	}
}

// TestRewriteRealFile copies a real file through the Writer. llama.cpp lays
// files out the same way, so the bytes come out identical.
func TestRewriteRealFile(t *testing.T) {
	for _, name := range []string{"llama-2-tiny-random.gguf", "parity-llama-Q4_0.gguf", "llama3.2-vocab.gguf"} {
		f := openShared(t, name)
		w := NewWriter()
		for _, kv := range f.KVs {
			mustAddKV(t, w, kv.Key, kv.Value)
		}
		for i := range f.Tensors {
			ti := &f.Tensors[i]
			mustAddTensor(t, w, ti.Name, ti.Type, ti.Dims, f.TensorData(ti))
		}
		got := encode(t, w)
		want, err := os.ReadFile(filepath.Join(sharedModels, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: rewritten file differs (%d bytes, original %d)", name, len(got), len(want))
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, name := range []string{"parity-llama-F32.gguf", "llama3.2-vocab.gguf"} {
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(sharedModels, name)
			st, err := os.Stat(path)
			if err != nil {
				b.Skipf("skipping: %v", err)
			}
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				f, err := Open(path)
				if err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}
