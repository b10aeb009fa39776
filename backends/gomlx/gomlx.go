// Package gomlx runs sovra's graphs through GoMLX (github.com/gomlx/gomlx): each
// forward step's graph is lowered to a GoMLX computation, compiled once per
// shape bucket and executed by one of GoMLX's engines. The default build
// includes GoMLX's pure-Go engine ("go", package simplego); the XLA engine
// (CPU, CUDA, TPU through PJRT plugins) needs cgo and is linked only with the
// build tag xla (make build-xla).
//
// Select it with the backend spec "gomlx" (the engine named by $GOMLX_BACKEND,
// or "go" when unset) or "gomlx:<engine config>", such as "gomlx:go" or
// "gomlx:xla:cuda", where the part after the first colon is GoMLX's own
// backend configuration string.
//
// Weights are dequantized once, when they are adopted, to float32 (with
// sovra/kernels/quant.Dequantize) and kept on the engine's device. The KV
// cache lives on the device too, as float32 buffers that each step donates to
// the computation and gets back updated; an F16 cache stores values rounded
// to float16 precision (but takes float32 memory), and attention over it
// rounds the query and the probabilities to float16 precision first, as the
// CPU backend and llama.cpp do.
//
// Shapes: a compiled computation is keyed by the graph's structure with every
// row count (tokens, output rows) rounded up to a bucket: 1, or a power of
// two of at least 8. Padded rows compute garbage that is never stored nor
// read. Attention always spans every slot of the cache, the mask hiding the
// unused ones, so that a decoding step has one shape for the whole context:
// decoding never recompiles, at the cost of attention (and the cache update)
// touching the whole cache each step.
package gomlx

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	gobackends "github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // the pure-Go engine, "go"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"sovra/backends"
	"sovra/kernels/quant"
)

func init() {
	backends.Register("gomlx", func(config string, threads int) (backends.Backend, error) {
		return New(config)
	})
}

// DefaultEngine is the GoMLX engine used when neither the backend spec nor
// $GOMLX_BACKEND names one.
const DefaultEngine = "go"

// Backend runs graphs on a GoMLX engine. It runs one graph at a time.
type Backend struct {
	engine   gobackends.Backend
	config   string // the GoMLX configuration the engine was made with
	programs map[string]*program
	graph    graph
	nextID   int
	stats    Stats
	shared   bool // the engine shares host memory (NewSharedBuffer)
}

// Stats counts the compilations of a backend, so that benchmarks can report
// compile time apart from run time.
type Stats struct {
	Compiles    int           // computations compiled (one per graph structure and shape bucket)
	CompileTime time.Duration // time spent lowering and compiling them
	Runs        int           // computations executed
}

// New makes a backend on the GoMLX engine named by config, GoMLX's own
// configuration string ("go", "xla:cpu", "xla:cuda", ...). An empty config
// means $GOMLX_BACKEND, or DefaultEngine when that is unset.
func New(config string) (*Backend, error) {
	if config == "" {
		config = os.Getenv(gobackends.ConfigEnvVar)
	}
	if config == "" {
		config = DefaultEngine
	}
	config = tuneGo(config)
	engine, err := openEngine(config)
	if err != nil {
		return nil, err
	}
	return &Backend{
		engine:   engine,
		config:   config,
		programs: map[string]*program{},
		shared:   engine.HasSharedBuffers(),
	}, nil
}

// tuneGo adds dotgeneral_small to the configuration of GoMLX's pure-Go
// engine unless it chooses a DotGeneral algorithm itself: its default picks,
// for a product with many output elements, an algorithm that first copies
// both operands into blocks, which for a matrix-vector product copies the
// whole weight matrix at every decoding step (several times slower here).
func tuneGo(config string) string {
	name, opts, _ := strings.Cut(config, ":")
	if name != "go" || strings.Contains(opts, "dotgeneral_") {
		return config
	}
	if opts == "" {
		return "go:dotgeneral_small"
	}
	return config + ",dotgeneral_small"
}

// openEngine makes GoMLX's backend, turning its panics into errors and
// saying what to do when an engine is missing from this build.
func openEngine(config string) (engine gobackends.Backend, err error) {
	name, _, _ := strings.Cut(config, ":")
	have := gobackends.List()
	known := false
	for _, h := range have {
		known = known || h == name
	}
	if !known {
		if xlaNames[name] {
			return nil, fmt.Errorf("gomlx: engine %q is not in this build: build with the tag xla (make build-xla), which needs cgo and the XLA PJRT plugin (see README, section \"GoMLX backend\"), or use GOMLX_BACKEND=go", name)
		}
		return nil, fmt.Errorf("gomlx: no GoMLX engine %q in this build (have %s)", name, strings.Join(have, ", "))
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gomlx: engine %q: %v%s", config, r, engineHint(name))
		}
	}()
	engine, err = gobackends.NewWithConfig(config)
	if err != nil {
		return nil, fmt.Errorf("gomlx: engine %q: %w%s", config, err, engineHint(name))
	}
	return engine, nil
}

// xlaNames are the names GoMLX's XLA engine registers under.
var xlaNames = map[string]bool{"xla": true, "stablehlo": true, "shlo": true, "hlo": true}

// engineHint says how to install what a failing XLA engine lacks.
func engineHint(name string) string {
	if !xlaNames[name] {
		return ""
	}
	return " (the XLA engine loads a PJRT plugin, pjrt_c_api_<cpu|cuda>_plugin.so, from $PJRT_PLUGIN_LIBRARY_PATH, " +
		"/usr/local/lib/go-xla or ~/.local/lib/go-xla; with internet access and GOMLX_NO_AUTO_INSTALL unset, " +
		"GoMLX downloads the CPU plugin, and the CUDA one when it sees a GPU, into ~/.local/lib/go-xla on first use; " +
		"see README, section \"GoMLX backend\"; GOMLX_BACKEND=go needs nothing)"
}

// Name returns "gomlx".
func (b *Backend) Name() string { return "gomlx" }

// Engine is the GoMLX configuration of the engine in use, such as "go".
func (b *Backend) Engine() string { return b.config }

// Stats returns the compilation counters so far.
func (b *Backend) Stats() Stats { return b.stats }

// Compiled returns the number of computations compiled so far and the time
// spent lowering and compiling them (backends.Compiler).
func (b *Backend) Compiled() (int, time.Duration) { return b.stats.Compiles, b.stats.CompileTime }

var _ backends.Compiler = (*Backend)(nil)

// Devices lists the engine's devices.
func (b *Backend) Devices() []backends.Device {
	var ds []backends.Device
	for i := range b.engine.NumDevices() {
		ds = append(ds, backends.Device{Name: b.engine.Name() + ": " + b.engine.DeviceDescription(gobackends.DeviceNum(i))})
	}
	return ds
}

// Supports reports whether weights of type t can be used by op: matrix
// products and embeddings take every type quant can dequantize, Store F32 and
// F16 buffers, the other ops F32.
func (b *Backend) Supports(op backends.Op, t quant.Type) bool {
	switch op {
	case backends.OpMatMul, backends.OpEmbed:
		return dequantizable(t)
	case backends.OpStore:
		return t == quant.F32 || t == quant.F16
	default:
		return t == quant.F32
	}
}

func dequantizable(t quant.Type) bool {
	if !t.Known() || t.BlockSize() == 0 {
		return false
	}
	n := t.BlockSize()
	rb, err := t.RowBytes(n)
	if err != nil {
		return false
	}
	return quant.Dequantize(t, make([]byte, rb), make([]float32, n)) == nil
}

// tensor is a weight or a KV-cache buffer: a float32 buffer on the engine.
type tensor struct {
	id    int
	name  string
	dtype quant.Type // the type it was made with (F16 caches hold float32 rounded to F16)
	shape backends.Shape
	buf   gobackends.Buffer
	host  []float32 // small 1-D weights (norms, rope factors) also kept in Go memory
	cache bool      // mutable: a KV-cache buffer
}

// Name is the name the tensor was made with.
func (t *tensor) Name() string { return t.name }

// DType is the element type the tensor was made with.
func (t *tensor) DType() quant.Type { return t.dtype }

// Shape is the tensor's row-major shape.
func (t *tensor) Shape() backends.Shape { return t.shape }

func (t *tensor) cols() int { return t.shape[len(t.shape)-1] }
func (t *tensor) rows() int { return t.shape.Elements() / t.cols() }

func (t *tensor) gshape() shapes.Shape {
	return shapes.Make(dtypes.Float32, t.shape...)
}

// NewWeight dequantizes a weight to float32 and puts it on the engine's
// device. data is not kept.
func (b *Backend) NewWeight(name string, t quant.Type, shape backends.Shape, data []byte) (backends.Buffer, error) {
	if len(shape) == 0 || shape.Elements() <= 0 {
		return nil, fmt.Errorf("gomlx: weight %q: bad shape %v", name, shape)
	}
	if !dequantizable(t) {
		return nil, fmt.Errorf("gomlx: weight %q: type %s: %w", name, t, backends.ErrUnsupported)
	}
	n := shape.Elements()
	rb, err := t.RowBytes(shape[len(shape)-1])
	if err != nil {
		return nil, fmt.Errorf("gomlx: weight %q: %w", name, err)
	}
	if want := rb * (n / shape[len(shape)-1]); len(data) != want {
		return nil, fmt.Errorf("gomlx: weight %q %s%v: have %d bytes, want %d", name, t, shape, len(data), want)
	}
	w := &tensor{id: b.newID(), name: name, dtype: t, shape: append(backends.Shape(nil), shape...)}
	fill := func(dst []float32) error { return quant.Dequantize(t, data, dst) }
	if w.buf, err = b.upload(w.gshape(), fill); err != nil {
		return nil, fmt.Errorf("gomlx: weight %q: %w", name, err)
	}
	if len(shape) == 1 {
		w.host = make([]float32, n)
		if err := quant.Dequantize(t, data, w.host); err != nil {
			return nil, fmt.Errorf("gomlx: weight %q: %w", name, err)
		}
	}
	return w, nil
}

// upload makes a float32 buffer of shape s filled by fill: in place where the
// engine shares host memory, else through a Go slice.
func (b *Backend) upload(s shapes.Shape, fill func([]float32) error) (buf gobackends.Buffer, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("engine: %v", r)
		}
	}()
	if b.shared {
		buf, flat, err := b.engine.NewSharedBuffer(0, s)
		if err != nil {
			return nil, err
		}
		if err := fill(flat.([]float32)); err != nil {
			b.engine.BufferFinalize(buf)
			return nil, err
		}
		return buf, nil
	}
	host := make([]float32, s.Size())
	if err := fill(host); err != nil {
		return nil, err
	}
	return b.engine.BufferFromFlatData(0, host, s)
}

// NewBuffer allocates a zeroed F32 or F16 buffer [slots, width] on the
// engine, stored as float32 either way.
func (b *Backend) NewBuffer(name string, t quant.Type, shape backends.Shape) (backends.Buffer, error) {
	if len(shape) != 2 || shape.Elements() <= 0 {
		return nil, fmt.Errorf("gomlx: buffer %q: bad shape %v (want [slots, width])", name, shape)
	}
	if t != quant.F32 && t != quant.F16 {
		return nil, fmt.Errorf("gomlx: buffer %q of type %s: %w", name, t, backends.ErrUnsupported)
	}
	c := &tensor{id: b.newID(), name: name, dtype: t, shape: append(backends.Shape(nil), shape...), cache: true}
	var err error
	// Not a shared buffer: a cache buffer is donated to each step.
	host := make([]float32, shape.Elements())
	c.buf, err = b.fromHost(host, c.gshape())
	if err != nil {
		return nil, fmt.Errorf("gomlx: buffer %q: %w", name, err)
	}
	return c, nil
}

// fromHost copies flat to a new buffer of shape s on the engine.
func (b *Backend) fromHost(flat any, s shapes.Shape) (buf gobackends.Buffer, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("engine: %v", r)
		}
	}()
	return b.engine.BufferFromFlatData(0, flat, s)
}

func (b *Backend) newID() int {
	b.nextID++
	return b.nextID
}

// NewGraph starts a graph. The previous graph and its values become invalid.
func (b *Backend) NewGraph() backends.Graph {
	b.graph.release()
	b.graph = graph{b: b, nodes: b.graph.nodes[:0], key: b.graph.key[:0], outputs: b.graph.outputs[:0], plain: b.graph.plain, scratch: b.graph.scratch, dims: b.graph.dims[:0]}
	return &b.graph
}

// Close frees the compiled computations and the engine. Buffers made by the
// backend are invalid afterwards.
func (b *Backend) Close() error {
	if b.engine == nil {
		return errors.New("gomlx: backend closed twice")
	}
	b.graph.release()
	for _, p := range b.programs {
		p.finalize(b.engine)
	}
	b.programs = nil
	b.engine.Finalize()
	b.engine = nil
	return nil
}
