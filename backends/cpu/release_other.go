//go:build !linux

package cpu

// releasePages does nothing here: the mapped bytes of packed weights stay
// resident until the system needs the memory.
func releasePages([]byte) {}

// hugePages does nothing here.
func hugePages([]byte) {}
