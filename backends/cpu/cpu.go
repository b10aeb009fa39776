// Package cpu is the reference backend: it runs graphs on the host CPU in pure Go
// with the kernels of sovra/kernels. Weights stay in their GGUF encoding (the
// mapped file bytes are used in place) and are decoded block by block inside the
// dot products; activations are rounded to the weight type's activation format
// before each matrix product, as llama.cpp's CPU backend does, so that results
// agree with llama.cpp's.
package cpu

import (
	"fmt"
	"unsafe"

	"sovra/backends"
	"sovra/kernels/quant"
)

func init() {
	backends.Register("cpu", func(config string, threads int) (backends.Backend, error) {
		if config != "" {
			return nil, fmt.Errorf("cpu backend: unknown config %q", config)
		}
		return New(threads), nil
	})
}

// Backend is the CPU backend. It runs one graph at a time: a new graph reuses
// the memory of the previous one.
type Backend struct {
	pool  *pool
	graph graph
	arena []float32           // the values of the current graph
	dims  []int               // the shapes of the current graph
	free  map[int][][]float32 // released values of the current graph, by size
	last  []int               // per node of the current graph, its last reader
	quant []byte              // activations rounded to a weight's activation type
	parts [][]float32         // per-thread scratch
}

// New returns a CPU backend running on threads threads (0: one per physical
// core).
func New(threads int) *Backend {
	b := &Backend{pool: newPool(threads), free: map[int][][]float32{}}
	b.parts = make([][]float32, b.pool.threads())
	return b
}

// Threads is the number of threads the backend computes with.
func (b *Backend) Threads() int { return b.pool.threads() }

// Name returns "cpu".
func (b *Backend) Name() string { return "cpu" }

// Devices reports the host.
func (b *Backend) Devices() []backends.Device {
	return []backends.Device{{Name: "cpu"}}
}

// Supports reports whether weights of type t can be used by op.
func (b *Backend) Supports(op backends.Op, t quant.Type) bool {
	switch op {
	case backends.OpMatMul, backends.OpEmbed:
		return t.VecDotType().Known() && t != quant.Q8_1 && t != quant.Q8_K
	case backends.OpStore:
		return t == quant.F32 || t == quant.F16
	default:
		return t == quant.F32
	}
}

// tensor is a weight or a mutable buffer. Float32 data is also visible as f32,
// F16 data as f16; other types only as raw bytes.
type tensor struct {
	name  string
	dtype quant.Type
	shape backends.Shape
	raw   []byte
	f32   []float32
	f16   []uint16
	rowB  int // bytes per row of the last dimension
	// packed is the weight in quant's packed layout, made on its first
	// matrix product if its type has one (see packed.go).
	packed []byte
}

// Name is the name the tensor was made with.
func (t *tensor) Name() string { return t.name }

// DType is the element type of the tensor's data.
func (t *tensor) DType() quant.Type { return t.dtype }

// Shape is the tensor's row-major shape.
func (t *tensor) Shape() backends.Shape { return t.shape }

func (t *tensor) cols() int        { return t.shape[len(t.shape)-1] }
func (t *tensor) rows() int        { return t.shape.Elements() / t.cols() }
func (t *tensor) row(i int) []byte { return t.raw[i*t.rowB : (i+1)*t.rowB] }

// NewWeight adopts a weight without copying it: data is used in place and must
// stay valid until the backend is closed.
func (b *Backend) NewWeight(name string, t quant.Type, shape backends.Shape, data []byte) (backends.Buffer, error) {
	if len(shape) == 0 || shape.Elements() <= 0 {
		return nil, fmt.Errorf("cpu: weight %q: bad shape %v", name, shape)
	}
	if !t.VecDotType().Known() {
		return nil, fmt.Errorf("cpu: weight %q: type %s: %w", name, t, backends.ErrUnsupported)
	}
	rowB, err := t.RowBytes(shape[len(shape)-1])
	if err != nil {
		return nil, fmt.Errorf("cpu: weight %q: %w", name, err)
	}
	if want := rowB * shape.Elements() / shape[len(shape)-1]; len(data) != want {
		return nil, fmt.Errorf("cpu: weight %q %s%v: have %d bytes, want %d", name, t, shape, len(data), want)
	}
	w := &tensor{name: name, dtype: t, shape: shape, raw: data, rowB: rowB}
	if t == quant.F32 {
		w.f32 = floats(data)
	}
	return w, nil
}

// floats views little-endian float32 bytes as a []float32, copying only when
// the bytes are not 4-byte aligned.
func floats(data []byte) []float32 {
	if len(data) == 0 {
		return nil
	}
	if uintptr(unsafe.Pointer(&data[0]))%4 == 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&data[0])), len(data)/4)
	}
	f := make([]float32, len(data)/4)
	if err := quant.Dequantize(quant.F32, data, f); err != nil {
		panic(err) // length checked by the caller
	}
	return f
}

// f32Bytes views f as the little-endian float32 bytes of quant.F32 (the
// inverse of floats, on the little-endian CPUs sovra runs on).
func f32Bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), 4*len(f))
}

// NewBuffer allocates a zeroed F32 or F16 buffer.
func (b *Backend) NewBuffer(name string, t quant.Type, shape backends.Shape) (backends.Buffer, error) {
	n := shape.Elements()
	if len(shape) == 0 || n <= 0 {
		return nil, fmt.Errorf("cpu: buffer %q: bad shape %v", name, shape)
	}
	buf := &tensor{name: name, dtype: t, shape: shape}
	switch t {
	case quant.F32:
		buf.f32 = make([]float32, n)
	case quant.F16:
		buf.f16 = make([]uint16, n)
	default:
		return nil, fmt.Errorf("cpu: buffer %q of type %s: %w", name, t, backends.ErrUnsupported)
	}
	return buf, nil
}

// NewGraph starts a graph. The previous graph and its values become invalid.
func (b *Backend) NewGraph() backends.Graph {
	if need := b.graph.outgrown + b.graph.used; b.graph.outgrown > 0 {
		b.arena = make([]float32, need) // one arena, of what the last graph used
	}
	b.graph = graph{b: b, nodes: b.graph.nodes[:0]}
	b.dims = b.dims[:0]
	for size, list := range b.free {
		b.free[size] = list[:0]
	}
	return &b.graph
}

// Close stops the backend's threads. Weights belong to their mapping and
// buffers to the garbage collector.
func (b *Backend) Close() error {
	b.pool.close()
	return nil
}
