package source

import (
	"syscall"
	"unsafe"
)

// prefault asks the kernel to map the pages of b in one call
// (MADV_POPULATE_READ), ahead of the workers, so that they do not take a
// page fault every few pages. Best effort: kernels before 5.14 do not know
// the advice, and the faults then happen as before.
func prefault(b []byte) {
	const madvPopulateRead = 22
	if len(b) > 0 {
		syscall.Syscall(syscall.SYS_MADVISE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), madvPopulateRead)
	}
}
