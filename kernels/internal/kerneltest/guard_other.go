//go:build !unix

package kerneltest

import "testing"

// Guarded is a plain buffer where the platform has no mmap: AtEnd and
// AtStart still place the data at the ends of a capped slice, but a read
// outside it does not fault.
type Guarded struct{ data []byte }

// NewGuarded returns a buffer of size bytes.
func NewGuarded(tb testing.TB, size int) *Guarded { return &Guarded{data: make([]byte, size)} }

// AtEnd copies b to the end of the buffer and returns the copy, capped.
func (g *Guarded) AtEnd(b []byte) []byte {
	off := len(g.data) - len(b)
	c := g.data[off : off+len(b) : off+len(b)]
	copy(c, b)
	return c
}

// AtStart copies b to the start of the buffer and returns the copy, capped.
func (g *Guarded) AtStart(b []byte) []byte {
	c := g.data[:len(b):len(b)]
	copy(c, b)
	return c
}

// Protected reports whether the buffer really has guard pages.
func (g *Guarded) Protected() bool { return false }
