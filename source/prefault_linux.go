package source

import (
	"os"
	"syscall"
	"unsafe"
)

var pageSize = uintptr(os.Getpagesize())

// prefault asks the kernel to map the pages of b in one call
// (MADV_POPULATE_READ), ahead of the workers, so that they do not take a
// page fault every few pages. Best effort: kernels before 5.14 do not know
// the advice, and the faults then happen as before.
func prefault(b []byte) {
	const madvPopulateRead = 22
	if len(b) == 0 {
		return
	}
	start := uintptr(unsafe.Pointer(&b[0]))
	end := start + uintptr(len(b))
	start &^= pageSize - 1 // madvise takes whole pages
	syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvPopulateRead)
}
