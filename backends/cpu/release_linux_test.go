package cpu

import (
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestReleasePages checks that releasing the pages of a shared file mapping
// keeps its bytes readable, and that memory of the process's own is left
// alone (MADV_DONTNEED there would zero it).
func TestReleasePages(t *testing.T) {
	page := os.Getpagesize()
	want := make([]byte, 4*page)
	for i := range want {
		want[i] = byte(i*7 + 1)
	}
	path := filepath.Join(t.TempDir(), "w")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := unix.Mmap(int(f.Fd()), 0, len(want), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	if !sharedFileMapping(uintptr(unsafe.Pointer(&m[0])), len(m)) {
		t.Fatal("a shared file mapping is not recognised")
	}
	releasePages(m[1:])
	if string(m) != string(want) {
		t.Error("the mapped bytes changed after releasePages")
	}
	heap := append([]byte(nil), want...)
	if sharedFileMapping(uintptr(unsafe.Pointer(&heap[0])), len(heap)) {
		t.Fatal("heap memory taken for a shared file mapping")
	}
	releasePages(heap)
	if string(heap) != string(want) {
		t.Error("heap bytes changed after releasePages")
	}
}
