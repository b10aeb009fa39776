package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"sovra/kernels/quant"
)

// Writer builds a GGUF version 3 file from metadata and tensors added in the
// order they should appear. The zero Writer is not usable; call NewWriter.
type Writer struct {
	kvs     []KV
	keys    map[string]bool
	tensors []TensorInfo // Offset is assigned by WriteTo
	data    [][]byte     // nil for a tensor added with AddTensorFunc
	fills   []func(dst []byte) error
	names   map[string]bool
	align   int
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer {
	return &Writer{keys: map[string]bool{}, names: map[string]bool{}, align: DefaultAlignment}
}

// AddKV appends a metadata entry. v is converted by ValueOf, which documents
// the Go types accepted. general.alignment, if given, must be a uint32 power
// of two; it sets the alignment of the tensor data. Keys must be unique and
// not empty.
func (w *Writer) AddKV(key string, v any) error {
	if key == "" {
		return fmt.Errorf("gguf: empty metadata key")
	}
	if w.keys[key] {
		return fmt.Errorf("gguf: duplicate metadata key %q", key)
	}
	val, err := ValueOf(v)
	if err != nil {
		return fmt.Errorf("gguf: key %q: %w", key, err)
	}
	if key == AlignmentKey {
		a, err := checkAlignment(val)
		if err != nil {
			return err
		}
		w.align = a
	}
	w.keys[key] = true
	w.kvs = append(w.kvs, KV{Key: key, Value: val})
	return nil
}

// AddTensor appends a tensor. dims is in GGUF order (dims[0] contiguous, see
// TensorInfo) and len(data) must be the size those dims take in type typ.
// data is not copied: it must not change until WriteTo returns.
func (w *Writer) AddTensor(name string, typ quant.Type, dims []uint64, data []byte) error {
	if w.names[name] {
		return fmt.Errorf("gguf: duplicate tensor name %q", name)
	}
	size, err := tensorSize(typ, dims)
	if err != nil {
		return within(err, "tensor %q", name)
	}
	if uint64(len(data)) != size {
		return fmt.Errorf("gguf: tensor %q: %d bytes of data, want %d for %s %v", name, len(data), size, typ, dims)
	}
	w.names[name] = true
	w.tensors = append(w.tensors, TensorInfo{Name: name, Dims: append([]uint64(nil), dims...), Type: typ, Size: size})
	w.data = append(w.data, data)
	w.fills = append(w.fills, nil)
	return nil
}

// AddTensorFunc appends a tensor whose data is produced while WriteTo runs,
// so that a file larger than memory can be written: WriteTo calls fill once,
// when the tensor's turn comes, with a zeroed buffer of exactly the tensor's
// size (dims in GGUF order, as for AddTensor), writes the buffer out and
// reuses it for the next such tensor. fill must not keep dst. If fill
// returns an error, WriteTo stops and returns it.
func (w *Writer) AddTensorFunc(name string, typ quant.Type, dims []uint64, fill func(dst []byte) error) error {
	if fill == nil {
		return fmt.Errorf("gguf: tensor %q: nil fill function", name)
	}
	if w.names[name] {
		return fmt.Errorf("gguf: duplicate tensor name %q", name)
	}
	size, err := tensorSize(typ, dims)
	if err != nil {
		return within(err, "tensor %q", name)
	}
	if size > math.MaxInt {
		return fmt.Errorf("gguf: tensor %q: %d bytes do not fit in memory", name, size)
	}
	w.names[name] = true
	w.tensors = append(w.tensors, TensorInfo{Name: name, Dims: append([]uint64(nil), dims...), Type: typ, Size: size})
	w.data = append(w.data, nil)
	w.fills = append(w.fills, fill)
	return nil
}

// WriteTo writes the file to out: the header, the metadata and tensor infos in
// the order added, then, if there are tensors, zero padding to the alignment
// and each tensor's data padded with zeros to the alignment. It returns the
// number of bytes written. Tensors added with AddTensorFunc are produced one
// at a time, as they are written.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	cw := &countingWriter{w: out}
	e := &encoder{w: bufio.NewWriterSize(cw, 1<<16)}

	e.write([]byte(magic))
	e.u32(3)
	e.u64(uint64(len(w.tensors)))
	e.u64(uint64(len(w.kvs)))
	for _, kv := range w.kvs {
		e.str(kv.Key)
		e.u32(uint32(kv.Value.typ))
		e.value(kv.Value)
	}
	align := uint64(w.align)
	offset := uint64(0)
	for _, t := range w.tensors {
		e.str(t.Name)
		e.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			e.u64(d)
		}
		e.u32(uint32(t.Type))
		e.u64(offset)
		offset = alignUp(offset+t.Size, align)
	}
	if len(w.tensors) > 0 { // a file without tensors ends after its metadata
		e.pad(align)
	}
	var buf []byte // the data of the current AddTensorFunc tensor
	for i, d := range w.data {
		if fill := w.fills[i]; fill != nil && e.err == nil {
			size := int(w.tensors[i].Size)
			if cap(buf) < size {
				buf = nil // let the old buffer go first
				buf = make([]byte, size)
			} else {
				buf = buf[:size]
				clear(buf)
			}
			if err := fill(buf); err != nil {
				e.err = fmt.Errorf("gguf: tensor %q: %w", w.tensors[i].Name, err)
			}
			d = buf
		}
		e.write(d)
		e.pad(align)
	}
	if e.err == nil {
		e.err = e.w.Flush()
	}
	return cw.n, e.err
}

// encoder writes little-endian fields, remembering the first error.
type encoder struct {
	w   *bufio.Writer
	n   uint64 // bytes written so far, for padding
	err error
	buf [8]byte
}

func (e *encoder) write(b []byte) {
	if e.err != nil {
		return
	}
	_, e.err = e.w.Write(b)
	e.n += uint64(len(b))
}

func (e *encoder) u32(x uint32) {
	binary.LittleEndian.PutUint32(e.buf[:], x)
	e.write(e.buf[:4])
}

func (e *encoder) u64(x uint64) {
	binary.LittleEndian.PutUint64(e.buf[:], x)
	e.write(e.buf[:8])
}

func (e *encoder) str(s string) {
	e.u64(uint64(len(s)))
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
		e.n += uint64(len(s))
	}
}

func (e *encoder) pad(align uint64) {
	var zeros [64]byte
	for n := alignUp(e.n, align) - e.n; n > 0; {
		k := min(n, uint64(len(zeros)))
		e.write(zeros[:k])
		n -= k
	}
}

// value writes v without its type, which the caller has written.
func (e *encoder) value(v Value) {
	switch v.typ {
	case TypeString:
		e.str(v.str)
	case TypeArray:
		e.array(v)
	default:
		binary.LittleEndian.PutUint64(e.buf[:], v.bits)
		e.write(e.buf[:v.typ.size()])
	}
}

func (e *encoder) array(v Value) {
	e.u32(uint32(v.elem))
	e.u64(uint64(v.Len()))
	switch a := v.arr.(type) {
	case []uint8:
		e.write(a)
	case []string:
		for _, s := range a {
			e.str(s)
		}
	case []Value:
		for _, w := range a {
			e.array(w)
		}
	case []bool:
		for _, b := range a {
			e.buf[0] = 0
			if b {
				e.buf[0] = 1
			}
			e.write(e.buf[:1])
		}
	case []float32:
		for _, x := range a {
			e.u32(math.Float32bits(x))
		}
	case []float64:
		for _, x := range a {
			e.u64(math.Float64bits(x))
		}
	default:
		// The integer arrays: write each element's low bytes.
		size := v.elem.size()
		for i := range v.Len() {
			binary.LittleEndian.PutUint64(e.buf[:], v.Index(i).bits)
			e.write(e.buf[:size])
		}
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
