//go:build !race

// Package race tells the race detector about memory that assembly reads or
// writes, which it cannot see on its own. Without the race build tag its
// functions do nothing and compile away.
package race

// ReadSlice reports a read of every element of s.
func ReadSlice[T any](s []T) {}

// WriteSlice reports a write of every element of s.
func WriteSlice[T any](s []T) {}

// Enabled reports whether the race detector is on.
const Enabled = false
