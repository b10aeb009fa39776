package cpu

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// releasePages asks the kernel to reclaim the whole pages of data, which
// the backend no longer reads (much): for the mapped file bytes of a packed
// weight, the process's resident memory drops by their size, and the next
// read, if any, faults them in again. MADV_PAGEOUT never changes what the
// memory holds, whatever it is (anonymous memory without swap stays where
// it is), so this is safe on any slice. Errors (kernels before Linux 5.4)
// are ignored: the pages then stay resident, which costs memory only.
func releasePages(data []byte) {
	madvise(data, os.Getpagesize(), unix.MADV_PAGEOUT)
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
