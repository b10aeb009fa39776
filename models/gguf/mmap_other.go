//go:build !unix

package gguf

import (
	"io"
	"os"
)

// mapFile reads the first size bytes of f: this platform has no mmap support
// here, so the whole file is read into memory.
func mapFile(f *os.File, size int) ([]byte, error) {
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	return b, nil
}

// unmapFile releases what mapFile returned; here that is left to the garbage
// collector.
func unmapFile([]byte) error { return nil }
