package kerneltest

import (
	"runtime/debug"
	"testing"
	"unsafe"
)

// faults reports whether reading the byte at p faults.
func faults(p unsafe.Pointer) (faulted bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			faulted = true
		}
	}()
	_ = *(*byte)(p)
	return false
}

func TestGuarded(t *testing.T) {
	g := NewGuarded(t, 100)
	if !g.Protected() {
		t.Skip("no guard pages on this platform")
	}
	data := []byte{1, 2, 3, 4, 5}
	end := g.AtEnd(data)
	if string(end) != string(data) || cap(end) != len(data) {
		t.Fatalf("AtEnd = %v (cap %d)", end, cap(end))
	}
	last := unsafe.Pointer(&end[len(end)-1])
	if faults(last) {
		t.Error("reading the last byte faults")
	}
	if !faults(unsafe.Add(last, 1)) {
		t.Error("reading past AtEnd's copy does not fault")
	}
	start := g.AtStart(data)
	if string(start) != string(data) || cap(start) != len(data) {
		t.Fatalf("AtStart = %v (cap %d)", start, cap(start))
	}
	if faults(unsafe.Pointer(&start[0])) {
		t.Error("reading the first byte faults")
	}
	if !faults(unsafe.Add(unsafe.Pointer(&start[0]), -1)) {
		t.Error("reading before AtStart's copy does not fault")
	}
}
