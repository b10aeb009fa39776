// Package gguf reads and writes GGUF model files (versions 2 and 3).
//
// A GGUF file is little-endian and laid out in four parts:
//
//   - a header: the magic "GGUF", a uint32 version, a uint64 tensor count
//     and a uint64 metadata count;
//   - metadata: key-value pairs, each a string key, a uint32 value type and
//     the value. Strings are a uint64 byte length followed by the bytes (no
//     terminator). An array is a uint32 element type, a uint64 count and the
//     elements; the elements may themselves be arrays;
//   - tensor infos: for each tensor its name, a uint32 number of dimensions
//     (1 to 4), the dimensions as uint64s with the contiguous one first, a
//     uint32 element type (see package sovra/kernels/quant) and a uint64
//     offset of its data relative to the start of the data section;
//   - the data section, starting at the first multiple of the alignment after
//     the tensor infos. The alignment is general.alignment (a uint32 power of
//     two) or 32, and every tensor offset is a multiple of it.
//
// Version 1 used 32-bit counts and lengths and is not supported; version 3
// differs from version 2 only in allowing big-endian files, which this package
// rejects.
//
// Open maps a file into memory and Parse reads a byte slice; both check the
// whole structure up front (every length against the bytes that remain, every
// tensor's data inside the file and not overlapping another's), so that
// TensorData can hand out zero-copy views without further checks. Writer
// builds files.
package gguf

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"os"
	"slices"
	"strings"

	"sovra/kernels/quant"
)

// DefaultAlignment is the alignment of tensor data when a file does not set
// general.alignment.
const DefaultAlignment = 32

// MaxDims is the most dimensions a tensor may have.
const MaxDims = 4

// AlignmentKey is the metadata key that sets the alignment of tensor data.
const AlignmentKey = "general.alignment"

const magic = "GGUF"

// prealloc caps the room reserved for a count read from the file before the
// counted things have been read.
const prealloc = 1 << 10

// Sentinel errors. Every error from Open and Parse about the file's contents
// wraps exactly one of ErrNotGGUF, ErrTruncated or ErrMalformed (ErrUnsupported
// wraps ErrMalformed), so callers can test them with errors.Is.
var (
	// ErrNotGGUF means the file does not start with the GGUF magic.
	ErrNotGGUF = errors.New("gguf: not a GGUF file")
	// ErrTruncated means the file ends before something it declares: a
	// header field, a string, an array, a tensor's data. A length or count
	// too large for the rest of the file is reported this way too, since a
	// cut-off file and a lying count cannot be told apart.
	ErrTruncated = errors.New("gguf: file is truncated")
	// ErrMalformed means the file breaks the format's rules: an unknown value
	// type, a bad alignment, a duplicate key, overlapping tensors, and so on.
	ErrMalformed = errors.New("gguf: malformed file")
	// ErrUnsupported means the file may be valid but uses something this
	// package does not read: a version other than 2 or 3, a big-endian file,
	// a tensor type unknown to package quant. It wraps ErrMalformed.
	ErrUnsupported = fmt.Errorf("%w: unsupported feature", ErrMalformed)
)

// formatError is an error about a file's contents. Its text is "gguf: ",
// the path if known, and a message saying what is wrong and where.
type formatError struct {
	kind error // ErrNotGGUF, ErrTruncated, ErrMalformed or ErrUnsupported
	path string
	msg  string
}

func (e *formatError) Error() string {
	if e.path != "" {
		return "gguf: " + e.path + ": " + e.msg
	}
	return "gguf: " + e.msg
}

func (e *formatError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &formatError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// within prefixes err's message with where it happened, as in `key "x": `.
func within(err error, format string, args ...any) error {
	if e, ok := err.(*formatError); ok {
		return &formatError{kind: e.kind, path: e.path, msg: fmt.Sprintf(format, args...) + ": " + e.msg}
	}
	return err
}

// File is a parsed GGUF file. Its fields describe the file and must not be
// modified. A File is safe for concurrent reads.
//
// The typed metadata getters (String, Uint, Int, Float, Bool, Strings,
// Float32s, Int32s) return ok == false both when the key is missing and when
// its value has a type the getter does not convert.
type File struct {
	// Version is the format version, 2 or 3.
	Version uint32
	// KVs is the metadata in file order.
	KVs []KV
	// Tensors describes the tensors in file order.
	Tensors []TensorInfo
	// Alignment is the alignment of tensor data: general.alignment or
	// DefaultAlignment.
	Alignment int

	data    []byte // the data section: tensor offsets are relative to it
	dataOff int64  // where the data section starts in the file
	mapping []byte // the whole mapped file, for Close; nil after Close and for Parse
	keys    map[string]int
	names   map[string]int
}

// KV is one metadata entry.
type KV struct {
	Key   string
	Value Value
}

// TensorInfo describes one tensor and where its data lies.
type TensorInfo struct {
	Name string
	// Dims is the shape in GGUF (ggml) order: Dims[0] is the innermost,
	// contiguous dimension, so a weight matrix of n rows of k elements has
	// Dims [k, n].
	Dims []uint64
	Type quant.Type
	// Offset is where the data starts, relative to the data section.
	Offset uint64
	// Size is the length of the data in bytes, computed from Dims and Type.
	Size uint64
}

// Elements returns the number of elements: the product of the dimensions.
func (t *TensorInfo) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// tensorSize checks a tensor's shape and type and returns the size of its
// data in bytes. The error, if any, says what is wrong without naming the
// tensor.
func tensorSize(typ quant.Type, dims []uint64) (uint64, error) {
	if !typ.Known() {
		return 0, errorf(ErrUnsupported, "unknown tensor type %d", uint32(typ))
	}
	if len(dims) == 0 || len(dims) > MaxDims {
		return 0, errorf(ErrMalformed, "%d dimensions, want 1 to %d", len(dims), MaxDims)
	}
	for i, d := range dims {
		if d == 0 {
			return 0, errorf(ErrMalformed, "dimension %d of %v is zero", i, dims)
		}
	}
	bs, bb := uint64(typ.BlockSize()), uint64(typ.BlockBytes())
	if dims[0]%bs != 0 {
		return 0, errorf(ErrMalformed, "first dimension %d is not a multiple of the %s block size %d", dims[0], typ, bs)
	}
	// Both the element count and the byte size must fit in an int64.
	elems, size := uint64(1), dims[0]/bs*bb
	overflow := dims[0]/bs > math.MaxInt64/bb
	for i, d := range dims {
		var hi uint64
		hi, elems = bits.Mul64(elems, d)
		overflow = overflow || hi != 0 || elems > math.MaxInt64
		if i > 0 {
			hi, size = bits.Mul64(size, d)
			overflow = overflow || hi != 0 || size > math.MaxInt64
		}
	}
	if overflow {
		return 0, errorf(ErrMalformed, "dimensions %v of %s overflow", dims, typ)
	}
	return size, nil
}

// Parse parses a GGUF file held in data. The File refers to data for tensor
// contents (nothing is copied), so data must not be modified while the File
// is in use. Metadata strings and arrays are copied out.
func Parse(data []byte) (*File, error) {
	r := &reader{b: data}

	if len(data) < len(magic) && magic[:len(data)] == string(data) {
		return nil, errorf(ErrTruncated, "file is %d bytes, too short for a header", len(data))
	}
	if len(data) < len(magic) || string(data[:len(magic)]) != magic {
		return nil, errorf(ErrNotGGUF, "not a GGUF file (starts with %q, not %q)", data[:min(len(data), len(magic))], magic)
	}
	r.off = len(magic)
	version, err := r.u32("version")
	if err != nil {
		return nil, err
	}
	switch {
	case version == 2 || version == 3:
	case bits.ReverseBytes32(version) == 2 || bits.ReverseBytes32(version) == 3:
		return nil, errorf(ErrUnsupported, "big-endian GGUF files are not supported")
	case version == 1:
		return nil, errorf(ErrUnsupported, "GGUF version 1 is not supported (it predates 64-bit counts); convert the model again")
	default:
		return nil, errorf(ErrUnsupported, "GGUF version %d is not supported (want 2 or 3)", version)
	}
	nTensors, err := r.u64("tensor count")
	if err != nil {
		return nil, err
	}
	nKVs, err := r.u64("metadata count")
	if err != nil {
		return nil, err
	}
	// The smallest metadata entry is a one-byte key, a type and a uint8 (14
	// bytes); the smallest tensor info an empty name, one dimension, a type
	// and an offset (32 bytes).
	const minKV, minTensor = 8 + 1 + 4 + 1, 8 + 4 + 8 + 4 + 8
	left := uint64(r.left())
	if nKVs > left/minKV {
		return nil, errorf(ErrTruncated, "%d metadata entries cannot fit in the %d bytes after the header", nKVs, left)
	}
	if nTensors > (left-nKVs*minKV)/minTensor {
		return nil, errorf(ErrTruncated, "%d metadata entries and %d tensors cannot fit in the %d bytes after the header", nKVs, nTensors, left)
	}

	// The counts may still lie, so slices and maps start small and grow with
	// what is actually read.
	f := &File{
		Version:   version,
		KVs:       make([]KV, 0, min(nKVs, prealloc)),
		Tensors:   make([]TensorInfo, 0, min(nTensors, prealloc)),
		Alignment: DefaultAlignment,
		keys:      make(map[string]int, min(nKVs, prealloc)),
		names:     make(map[string]int, min(nTensors, prealloc)),
	}
	for i := range nKVs {
		kv, err := r.kv(i)
		if err != nil {
			return nil, err
		}
		if _, dup := f.keys[kv.Key]; dup {
			return nil, errorf(ErrMalformed, "duplicate key %q (entry %d)", kv.Key, i)
		}
		f.keys[kv.Key] = len(f.KVs)
		f.KVs = append(f.KVs, kv)
	}
	if v, ok := f.Get(AlignmentKey); ok {
		a, err := checkAlignment(v)
		if err != nil {
			return nil, err
		}
		f.Alignment = a
	}
	for i := range nTensors {
		t, err := r.tensorInfo(i)
		if err != nil {
			return nil, err
		}
		if _, dup := f.names[t.Name]; dup {
			return nil, errorf(ErrMalformed, "duplicate tensor name %q (tensor %d)", t.Name, i)
		}
		f.names[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}

	start := alignUp(uint64(r.off), uint64(f.Alignment))
	if start > uint64(len(data)) {
		start = uint64(len(data)) // no data section: any tensor runs past the end
	}
	f.dataOff = int64(start)
	f.data = data[start:]
	if err := f.checkData(); err != nil {
		return nil, err
	}
	return f, nil
}

// checkAlignment checks a general.alignment value and returns it.
func checkAlignment(v Value) (int, error) {
	if v.Type() != TypeUint32 {
		return 0, errorf(ErrMalformed, "%s has type %s, want uint32", AlignmentKey, v.Type())
	}
	a, _ := v.Uint()
	if a == 0 || a&(a-1) != 0 {
		return 0, errorf(ErrMalformed, "%s is %d, not a power of two", AlignmentKey, a)
	}
	if a > math.MaxInt32 { // so that it fits an int everywhere
		return 0, errorf(ErrMalformed, "%s is %d, more than %d", AlignmentKey, a, math.MaxInt32)
	}
	return int(a), nil
}

func alignUp(n, align uint64) uint64 { return (n + align - 1) &^ (align - 1) }

// checkData checks that every tensor's data is aligned, inside the file, and
// overlaps no other tensor's.
func (f *File) checkData() error {
	fileSize := uint64(f.dataOff) + uint64(len(f.data))
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if t.Offset%uint64(f.Alignment) != 0 {
			return errorf(ErrMalformed, "tensor %q: offset %d is not a multiple of the alignment %d", t.Name, t.Offset, f.Alignment)
		}
		start, c1 := bits.Add64(uint64(f.dataOff), t.Offset, 0)
		end, c2 := bits.Add64(start, t.Size, 0)
		if c1 != 0 || c2 != 0 {
			return errorf(ErrTruncated, "tensor %q: data at offset %d of %d bytes runs past end of file (%d bytes)", t.Name, t.Offset, t.Size, fileSize)
		}
		if end > fileSize {
			return errorf(ErrTruncated, "tensor %q: data [%d, %d) runs past end of file (%d bytes)", t.Name, start, end, fileSize)
		}
	}
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(f.Tensors[a].Offset, f.Tensors[b].Offset) })
	for i := 1; i < len(order); i++ {
		p, t := &f.Tensors[order[i-1]], &f.Tensors[order[i]]
		if t.Offset < p.Offset+p.Size {
			at := uint64(f.dataOff)
			return errorf(ErrMalformed, "tensor %q: data [%d, %d) overlaps tensor %q at [%d, %d)",
				t.Name, at+t.Offset, at+t.Offset+t.Size, p.Name, at+p.Offset, at+p.Offset+p.Size)
		}
	}
	return nil
}

// Close releases the memory mapping made by Open. After Close, slices from
// TensorData must not be used and TensorData returns nil. Close is idempotent;
// for a File from Parse it does nothing.
func (f *File) Close() error {
	m := f.mapping
	if m == nil {
		return nil
	}
	f.mapping, f.data = nil, nil
	return unmapFile(m)
}

// DataOffset returns where the data section starts in the file, in bytes.
func (f *File) DataOffset() int64 { return f.dataOff }

// Get returns the value of the metadata key.
func (f *File) Get(key string) (Value, bool) {
	i, ok := f.keys[key]
	if !ok {
		return Value{}, false
	}
	return f.KVs[i].Value, true
}

// String returns the metadata string at key. ok is false if the key is
// missing or not a string.
func (f *File) String(key string) (string, bool) {
	v, _ := f.Get(key)
	return v.Text()
}

// Uint returns the metadata integer at key if it is unsigned or a signed
// integer that is not negative.
func (f *File) Uint(key string) (uint64, bool) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false
	}
	return v.Uint()
}

// Int returns the metadata integer at key if its value fits in an int64.
func (f *File) Int(key string) (int64, bool) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false
	}
	return v.Int()
}

// Float returns the metadata float at key, or an integer converted to float64.
func (f *File) Float(key string) (float64, bool) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false
	}
	return v.Float()
}

// Bool returns the metadata bool at key.
func (f *File) Bool(key string) (bool, bool) {
	v, ok := f.Get(key)
	if !ok {
		return false, false
	}
	return v.Bool()
}

// Strings returns the metadata array of strings at key. The slice is shared
// with the File: do not modify it.
func (f *File) Strings(key string) ([]string, bool) {
	v, _ := f.Get(key)
	return v.Strings()
}

// Float32s returns the metadata array at key as float32s; see Value.Float32s.
func (f *File) Float32s(key string) ([]float32, bool) {
	v, _ := f.Get(key)
	return v.Float32s()
}

// Int32s returns the metadata integer array at key as int32s; see
// Value.Int32s.
func (f *File) Int32s(key string) ([]int32, bool) {
	v, _ := f.Get(key)
	return v.Int32s()
}

// Tensor returns the tensor named name.
func (f *File) Tensor(name string) (*TensorInfo, bool) {
	i, ok := f.names[name]
	if !ok {
		return nil, false
	}
	return &f.Tensors[i], true
}

// TensorData returns the bytes of t's data: exactly t.Size bytes, a view of
// the file's memory with its capacity capped at its length. The bytes are
// read-only (writing to a mapped file's bytes faults) and valid until Close.
// It returns nil if t does not lie in f's data section, as for a TensorInfo
// from another file or after Close.
func (f *File) TensorData(t *TensorInfo) []byte {
	if t.Offset > uint64(len(f.data)) || t.Size > uint64(len(f.data))-t.Offset {
		return nil
	}
	return f.data[t.Offset : t.Offset+t.Size : t.Offset+t.Size]
}

// Open maps the GGUF file at path into memory (read-only) and parses it. The
// caller must Close the File to release the mapping. If the file is changed
// or truncated while mapped, reading tensor data may fault.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("gguf: %s: not a regular file", path)
	}
	if st.Size() > math.MaxInt {
		return nil, fmt.Errorf("gguf: %s: file of %d bytes is too large to map", path, st.Size())
	}
	data, err := mapFile(fd, int(st.Size()))
	if err != nil {
		return nil, fmt.Errorf("gguf: mapping %s: %w", path, err)
	}
	f, err := Parse(data)
	if err != nil {
		unmapFile(data)
		if e, ok := err.(*formatError); ok {
			e.path = path
		}
		return nil, err
	}
	f.mapping = data
	return f, nil
}

// reader reads the fields of a GGUF file from a byte slice, checking every
// length against the bytes left.
type reader struct {
	b   []byte
	off int
}

func (r *reader) left() int { return len(r.b) - r.off }

// take returns the next n bytes; what names them for the error.
func (r *reader) take(n uint64, what string) ([]byte, error) {
	if n > uint64(r.left()) {
		return nil, errorf(ErrTruncated, "%s at byte %d needs %d bytes, but only %d are left", what, r.off, n, r.left())
	}
	b := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return b, nil
}

func (r *reader) u32(what string) (uint32, error) {
	b, err := r.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *reader) u64(what string) (uint64, error) {
	b, err := r.take(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// str reads a string's bytes without copying them.
func (r *reader) str(what string) ([]byte, error) {
	if r.left() < 8 {
		return nil, errorf(ErrTruncated, "%s length at byte %d needs 8 bytes, but only %d are left", what, r.off, r.left())
	}
	n := binary.LittleEndian.Uint64(r.b[r.off:])
	r.off += 8
	return r.take(n, what)
}

func (r *reader) kv(i uint64) (KV, error) {
	key, err := r.str("key")
	if err != nil {
		return KV{}, within(err, "metadata entry %d", i)
	}
	if len(key) == 0 {
		return KV{}, errorf(ErrMalformed, "metadata entry %d has an empty key", i)
	}
	t, err := r.u32("value type")
	if err != nil {
		return KV{}, within(err, "key %q", key)
	}
	v, err := r.value(ValueType(t))
	if err != nil {
		return KV{}, within(err, "key %q", key)
	}
	return KV{Key: string(key), Value: v}, nil
}

// value reads a value of type t that is not an array element.
func (r *reader) value(t ValueType) (Value, error) {
	switch {
	case t == TypeArray:
		return r.array(1)
	case t == TypeString:
		s, err := r.str("string")
		return Value{typ: t, str: string(s)}, err
	case t.size() > 0:
		b, err := r.take(uint64(t.size()), t.String())
		if err != nil {
			return Value{}, err
		}
		return scalar(t, b)
	}
	return Value{}, errorf(ErrMalformed, "unknown value type %d at byte %d", uint32(t), r.off-4)
}

// scalar decodes a scalar of fixed-size type t from b.
func scalar(t ValueType, b []byte) (Value, error) {
	var u uint64
	for i := len(b) - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	switch t {
	case TypeInt8:
		u = uint64(int64(int8(u)))
	case TypeInt16:
		u = uint64(int64(int16(u)))
	case TypeInt32:
		u = uint64(int64(int32(u)))
	case TypeBool:
		if u > 1 {
			return Value{}, errorf(ErrMalformed, "bool value %d is neither 0 nor 1", u)
		}
	}
	return Value{typ: t, bits: u}, nil
}

// array reads an array's element type, count and elements; depth is 1 for an
// array that is not inside another.
func (r *reader) array(depth int) (Value, error) {
	at := r.off
	if depth > maxNesting {
		return Value{}, errorf(ErrMalformed, "array at byte %d nests more than %d deep", at, maxNesting)
	}
	et, err := r.u32("array element type")
	if err != nil {
		return Value{}, err
	}
	elem := ValueType(et)
	if !elem.known() {
		return Value{}, errorf(ErrMalformed, "array at byte %d has unknown element type %d", at, et)
	}
	n, err := r.u64("array length")
	if err != nil {
		return Value{}, err
	}
	minSize := uint64(elem.size())
	switch elem {
	case TypeString:
		minSize = 8 // the length
	case TypeArray:
		minSize = 12 // element type and count
	}
	if n > uint64(r.left())/minSize {
		return Value{}, errorf(ErrTruncated, "array at byte %d of %d %s elements cannot fit in the %d bytes left", at, n, elem, r.left())
	}
	v := Value{typ: TypeArray, elem: elem}
	switch elem {
	case TypeString:
		v.arr, err = r.stringArray(int(n))
	case TypeArray:
		inner := make([]Value, 0, min(n, prealloc))
		for i := range n {
			w, err := r.array(depth + 1)
			if err != nil {
				return Value{}, within(err, "element %d", i)
			}
			inner = append(inner, w)
		}
		v.arr = inner
	default:
		b, _ := r.take(n*minSize, "")
		if v.arr, err = decodeArray(elem, b, int(n)); err != nil {
			err = within(err, "array at byte %d", at)
		}
	}
	if err != nil {
		return Value{}, err
	}
	return v, nil
}

// stringArray reads n strings into one backing string, so that a vocabulary of
// 128k tokens costs two allocations rather than 128k.
func (r *reader) stringArray(n int) ([]string, error) {
	start := r.off
	total := 0
	for i := range n {
		s, err := r.str("string")
		if err != nil {
			return nil, within(err, "element %d", i)
		}
		total += len(s)
	}
	var all strings.Builder
	all.Grow(total)
	r.off = start
	for range n {
		s, _ := r.str("")
		all.Write(s)
	}
	backing := all.String()
	out := make([]string, n)
	r.off = start
	pos := 0
	for i := range out {
		s, _ := r.str("")
		out[i] = backing[pos : pos+len(s)]
		pos += len(s)
	}
	return out, nil
}

// decodeArray decodes n fixed-size elements of type t from b.
func decodeArray(t ValueType, b []byte, n int) (any, error) {
	le := binary.LittleEndian
	switch t {
	case TypeUint8:
		return slices.Clone(b), nil
	case TypeInt8:
		return decode(b, n, 1, func(b []byte) int8 { return int8(b[0]) }), nil
	case TypeUint16:
		return decode(b, n, 2, le.Uint16), nil
	case TypeInt16:
		return decode(b, n, 2, func(b []byte) int16 { return int16(le.Uint16(b)) }), nil
	case TypeUint32:
		return decode(b, n, 4, le.Uint32), nil
	case TypeInt32:
		return decode(b, n, 4, func(b []byte) int32 { return int32(le.Uint32(b)) }), nil
	case TypeFloat32:
		return decode(b, n, 4, func(b []byte) float32 { return math.Float32frombits(le.Uint32(b)) }), nil
	case TypeUint64:
		return decode(b, n, 8, le.Uint64), nil
	case TypeInt64:
		return decode(b, n, 8, func(b []byte) int64 { return int64(le.Uint64(b)) }), nil
	case TypeFloat64:
		return decode(b, n, 8, func(b []byte) float64 { return math.Float64frombits(le.Uint64(b)) }), nil
	case TypeBool:
		out := make([]bool, n)
		for i, c := range b {
			if c > 1 {
				return nil, errorf(ErrMalformed, "bool element %d is %d, neither 0 nor 1", i, c)
			}
			out[i] = c == 1
		}
		return out, nil
	}
	panic("gguf: decodeArray of " + t.String())
}

func decode[T any](b []byte, n, size int, get func([]byte) T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = get(b[i*size:])
	}
	return out
}

func (r *reader) tensorInfo(i uint64) (TensorInfo, error) {
	name, err := r.str("tensor name")
	if err != nil {
		return TensorInfo{}, within(err, "tensor %d", i)
	}
	t := TensorInfo{Name: string(name)}
	nd, err := r.u32("dimension count")
	if err != nil {
		return TensorInfo{}, within(err, "tensor %q", name)
	}
	if nd == 0 || nd > MaxDims {
		return TensorInfo{}, errorf(ErrMalformed, "tensor %q: %d dimensions, want 1 to %d", name, nd, MaxDims)
	}
	b, err := r.take(8*uint64(nd), "dimensions")
	if err != nil {
		return TensorInfo{}, within(err, "tensor %q", name)
	}
	t.Dims = decode(b, int(nd), 8, binary.LittleEndian.Uint64)
	typ, err := r.u32("tensor type")
	if err != nil {
		return TensorInfo{}, within(err, "tensor %q", name)
	}
	t.Type = quant.Type(typ)
	if t.Offset, err = r.u64("tensor offset"); err != nil {
		return TensorInfo{}, within(err, "tensor %q", name)
	}
	if t.Size, err = tensorSize(t.Type, t.Dims); err != nil {
		return TensorInfo{}, within(err, "tensor %q", name)
	}
	return t, nil
}
