// Package backends is the contract between model code and the hardware that runs
// it. A model describes one forward step as a graph of a small, closed set of ops
// (see Graph); a backend holds the weights in whatever layout suits it, runs the
// graph and owns the buffers of the KV cache. Model code never knows which backend
// runs it, and a backend never knows which architecture it runs.
//
// Backends register a constructor under a name in init; callers pick one with a
// "name" or "name:config" string (Open).
package backends

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"sovra/kernels/quant"
)

// ErrUnsupported is returned (wrapped) when a backend cannot run an op or hold a
// tensor type.
var ErrUnsupported = errors.New("unsupported by backend")

// Backend is one way of executing graphs: the CPU, a GPU through Vulkan, XLA, ...
type Backend interface {
	// Name is the name the backend registered under.
	Name() string
	// Devices lists what the backend executes on.
	Devices() []Device
	// Supports reports whether weights of type t can be used by op.
	Supports(op Op, t quant.Type) bool
	// NewWeight adopts an immutable weight named name, of element type t and
	// row-major shape, from its raw GGUF bytes. The backend may keep a reference
	// to data (which must then stay valid and unchanged until Close), repack it,
	// or copy it to a device.
	NewWeight(name string, t quant.Type, shape Shape, data []byte) (Buffer, error)
	// NewBuffer allocates a zeroed mutable buffer, as used for the KV cache.
	NewBuffer(name string, t quant.Type, shape Shape) (Buffer, error)
	// NewGraph starts the graph of one forward step.
	NewGraph() Graph
	// Close frees everything the backend holds.
	Close() error
}

// Compiler is implemented by backends that compile a graph's structure before
// running it for the first time, and reuse the compiled form for later graphs
// of the same structure (gomlx). Benchmarks use it to report compile time
// apart from run time. Backends that run graphs as they are built (cpu) do not
// implement it.
type Compiler interface {
	// Compiled returns how many graphs the backend has compiled since it was
	// made and the total time spent compiling them, lowering included.
	Compiled() (count int, total time.Duration)
}

// Device describes one execution device of a backend.
type Device struct {
	Name        string
	MemoryTotal uint64 // bytes; 0 when unknown
	MemoryFree  uint64 // bytes; 0 when unknown
}

// Buffer is backend-owned memory holding one tensor.
type Buffer interface {
	// Name is the name given when the buffer was made.
	Name() string
	// DType is the element type of the stored data.
	DType() quant.Type
	// Shape is the row-major shape: the last dimension is contiguous.
	Shape() Shape
}

// Shape is a row-major tensor shape: Shape{rows, cols} for a matrix whose rows
// are contiguous.
type Shape []int

// Elements is the product of the dimensions.
func (s Shape) Elements() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Constructor makes a backend from the part of the selection string after the
// colon ("" when there is none) and the number of threads to use (0: the
// backend's default).
type Constructor func(config string, threads int) (Backend, error)

var (
	registryMu sync.Mutex
	registry   = map[string]Constructor{}
)

// Register makes a backend available under name. It panics if name is taken,
// since that is a programming error in an init function.
func Register(name string, c Constructor) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("backends: Register called twice for " + name)
	}
	registry[name] = c
}

// Names lists the registered backends, sorted.
func Names() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open makes the backend selected by spec, "name" or "name:config" (such as
// "cpu", "vulkan:0" or "gomlx:cuda").
func Open(spec string, threads int) (Backend, error) {
	name, config, _ := strings.Cut(spec, ":")
	registryMu.Lock()
	c, ok := registry[name]
	registryMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("backends: no backend %q in this build (have %s)", name, strings.Join(Names(), ", "))
	}
	return c(config, threads)
}

// Op names an operation of the graph, for capability queries.
type Op int

// The ops of the graph. Only MatMul and Embed take weights whose type varies;
// the others work on float32 activations.
const (
	OpEmbed Op = iota
	OpMatMul
	OpAdd
	OpMul
	OpScale
	OpRMSNorm
	OpRope
	OpSiLU
	OpGELU
	OpSwiGLU
	OpStore
	OpAttention
	OpRows
)

var opNames = []string{"embed", "matmul", "add", "mul", "scale", "rmsnorm", "rope", "silu", "gelu", "swiglu", "store", "attention", "rows"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", int(o))
}
