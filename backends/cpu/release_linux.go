package cpu

import (
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// releasePages gives the kernel back the whole pages of data, which the
// backend no longer reads (much), when data lies in a shared file mapping
// (a GGUF file mapped read-only): MADV_DONTNEED then only unmaps the pages,
// the process's resident memory drops by their size, the file stays in the
// page cache for the next load, and the next read, if any, maps the same
// bytes again. Anywhere else (memory of the process's own, where
// MADV_DONTNEED would zero the pages) it does nothing.
func releasePages(data []byte) {
	if len(data) > 0 && sharedFileMapping(uintptr(unsafe.Pointer(unsafe.SliceData(data))), len(data)) {
		madvise(data, os.Getpagesize(), unix.MADV_DONTNEED)
	}
}

// sharedFileMapping reports whether the n bytes at addr lie in one shared
// mapping of a file, from /proc/self/maps (lines "start-end perms offset
// dev inode path", perms ending in 's' for shared, inode 0 for anonymous).
func sharedFileMapping(addr uintptr, n int) bool {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(maps)) {
		f := strings.Fields(line)
		if len(f) < 6 || len(f[1]) != 4 || f[1][3] != 's' || f[4] == "0" {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil && uint64(addr) >= start && uint64(addr)+uint64(n) <= end {
			return true
		}
	}
	return false
}

// hugePages asks for transparent huge pages (2 MiB) under the whole huge
// pages of data, a packed weight about to be written: far fewer page faults
// while packing, and fewer TLB misses while streaming it. Without THP (or
// with it off) nothing changes.
func hugePages(data []byte) {
	madvise(data, 2<<20, unix.MADV_HUGEPAGE)
}

// madvise applies advice to the whole pages (of size page) inside data,
// ignoring errors: the advice only ever changes speed and residency.
func madvise(data []byte, page, advice int) {
	if len(data) < page {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	lo := (start + uintptr(page) - 1) &^ uintptr(page-1)
	hi := (start + uintptr(len(data))) &^ uintptr(page-1)
	if hi <= lo {
		return
	}
	_ = unix.Madvise(data[lo-start:hi-start], advice)
}
