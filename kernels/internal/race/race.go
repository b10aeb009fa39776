//go:build race

package race

import (
	"runtime"
	"unsafe"
)

// ReadSlice reports a read of every element of s.
func ReadSlice[T any](s []T) {
	if len(s) == 0 {
		return
	}
	runtime.RaceReadRange(unsafe.Pointer(&s[0]), len(s)*int(unsafe.Sizeof(s[0])))
}

// WriteSlice reports a write of every element of s.
func WriteSlice[T any](s []T) {
	if len(s) == 0 {
		return
	}
	runtime.RaceWriteRange(unsafe.Pointer(&s[0]), len(s)*int(unsafe.Sizeof(s[0])))
}

// Enabled reports whether the race detector is on.
const Enabled = true
