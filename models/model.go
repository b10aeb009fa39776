// Package models is what a model is to the rest of sovra: the registry of
// architectures, the validated hyperparameters (Config), the batch a forward
// step works on, and the explicit binding of a file's tensors to a backend.
//
// Each architecture lives in its own package (models/llama, ...) and registers a
// constructor in init; models/all imports them all.
package models

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"sovra/backends"
	"sovra/models/gguf"
)

// ErrUnsupportedArch is returned (wrapped) for a file whose architecture no
// registered package implements.
var ErrUnsupportedArch = errors.New("unsupported architecture")

// Model is an architecture bound to its weights on a backend. It keeps no
// per-sequence state: everything about sequences lives in the KV cache.
type Model interface {
	// Config is the model's validated hyperparameters.
	Config() *Config
	// Forward adds one step over batch b to graph g and returns the logits
	// [len(b.Outputs), vocab] of the rows listed in b.Outputs.
	Forward(g backends.Graph, b *Batch, kv KV) backends.Value
}

// Batch is the set of tokens one forward step consumes. Token i sits at
// position Positions[i] of sequence Seqs[i].
type Batch struct {
	Tokens    []int32
	Positions []int32
	Seqs      []int32
	// Outputs lists the rows whose logits the step returns, in order.
	Outputs []int32
}

// KV is the KV cache as model code sees it. The engine prepares it for each
// batch before calling Forward.
type KV interface {
	// Attend stores the batch's keys and values k, v [n, KVHeads·HeadDim] for
	// layer and returns the attention of q [n, Heads·HeadDim] over everything
	// each token's sequence has cached up to its own position.
	Attend(g backends.Graph, layer int, q, k, v backends.Value, p backends.AttentionParams) backends.Value
}

// Constructor binds an architecture's weights through l and returns the model.
type Constructor func(l *Loader) (Model, error)

var (
	registryMu sync.Mutex
	registry   = map[string]Constructor{}
)

// Register makes an architecture available under its GGUF general.architecture
// name. It panics on a duplicate, a programming error in an init function.
func Register(arch string, c Constructor) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[arch]; dup {
		panic("models: Register called twice for " + arch)
	}
	registry[arch] = c
}

// Architectures lists the registered architectures, sorted.
func Architectures() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Load reads the configuration of f, binds its weights on backend b and
// returns the model. Every tensor of the file must be used.
func Load(f *gguf.File, b backends.Backend) (Model, error) {
	arch, ok := f.String("general.architecture")
	if !ok {
		return nil, errors.New("models: file has no general.architecture")
	}
	registryMu.Lock()
	c, ok := registry[arch]
	registryMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("models: %q: %w (supported: %s)", arch, ErrUnsupportedArch, strings.Join(Architectures(), ", "))
	}
	cfg, err := ReadConfig(f)
	if err != nil {
		return nil, err
	}
	l := &Loader{File: f, Backend: b, Config: cfg, bound: map[string]bool{}}
	m, err := c(l)
	if err == nil {
		err = l.err
	}
	if err != nil {
		return nil, err
	}
	if unused := l.unused(); len(unused) > 0 {
		return nil, fmt.Errorf("models: %s: %d tensors not used by the architecture, first %q", arch, len(unused), unused[0])
	}
	return m, nil
}

// Loader binds a file's tensors to a backend, explicitly and by name. Its
// errors are sticky: after the first one every call returns nil, and Load
// reports that first error.
type Loader struct {
	File    *gguf.File
	Backend backends.Backend
	Config  *Config
	bound   map[string]bool
	err     error
}

// Weight binds the required tensor name, whose row-major shape must be shape
// (the reverse of GGUF's dimension order).
func (l *Loader) Weight(name string, shape ...int) backends.Buffer {
	return l.bind(name, true, shape)
}

// Optional binds tensor name if the file has it, and returns nil otherwise.
func (l *Loader) Optional(name string, shape ...int) backends.Buffer {
	return l.bind(name, false, shape)
}

func (l *Loader) bind(name string, required bool, shape []int) backends.Buffer {
	if l.err != nil {
		return nil
	}
	t, ok := l.File.Tensor(name)
	if !ok {
		if required {
			l.err = fmt.Errorf("models: missing tensor %q", name)
		}
		return nil
	}
	have := make(backends.Shape, len(t.Dims))
	for i, d := range t.Dims {
		have[len(t.Dims)-1-i] = int(d)
	}
	if !slices.Equal(have, shape) {
		l.err = fmt.Errorf("models: tensor %q has shape %v, want %v", name, have, backends.Shape(shape))
		return nil
	}
	buf, err := l.Backend.NewWeight(name, t.Type, have, l.File.TensorData(t))
	if err != nil {
		l.err = fmt.Errorf("models: tensor %q: %w", name, err)
		return nil
	}
	l.bound[name] = true
	return buf
}

func (l *Loader) unused() []string {
	var names []string
	for _, t := range l.File.Tensors {
		if !l.bound[t.Name] {
			names = append(names, t.Name)
		}
	}
	return names
}
