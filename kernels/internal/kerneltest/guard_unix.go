//go:build unix

package kerneltest

import (
	"os"
	"syscall"
	"testing"
)

// Guarded is a buffer of pages with an inaccessible page on each side.
type Guarded struct {
	mem  []byte // the whole mapping, guard pages included
	data []byte // the accessible pages
}

// NewGuarded maps at least size accessible bytes between two PROT_NONE
// pages; the mapping is removed when tb ends.
func NewGuarded(tb testing.TB, size int) *Guarded {
	tb.Helper()
	page := os.Getpagesize()
	n := (size + page - 1) / page * page
	if n == 0 {
		n = page
	}
	mem, err := syscall.Mmap(-1, 0, n+2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		tb.Fatalf("mmap: %v", err)
	}
	tb.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[:page], syscall.PROT_NONE); err != nil {
		tb.Fatalf("mprotect: %v", err)
	}
	if err := syscall.Mprotect(mem[page+n:], syscall.PROT_NONE); err != nil {
		tb.Fatalf("mprotect: %v", err)
	}
	return &Guarded{mem: mem, data: mem[page : page+n]}
}

// AtEnd copies b so that it ends where the trailing guard page begins and
// returns the copy, capped at its length: a read past its end faults.
// b must fit in the buffer.
func (g *Guarded) AtEnd(b []byte) []byte {
	off := len(g.data) - len(b)
	c := g.data[off : off+len(b) : off+len(b)]
	copy(c, b)
	return c
}

// AtStart copies b so that it starts where the leading guard page ends and
// returns the copy, capped at its length: a read before its start faults.
func (g *Guarded) AtStart(b []byte) []byte {
	c := g.data[:len(b):len(b)]
	copy(c, b)
	return c
}

// Protected reports whether the buffer really has guard pages.
func (g *Guarded) Protected() bool { return true }
