//go:build unix

package source

import (
	"os"
	"syscall"
)

// mapFile maps a regular file read-only. Reading the page cache through a
// mapping saves the copy a read() makes; the mapping outlives f.
func mapFile(f *os.File, size int64) ([]byte, func(), error) {
	if size <= 0 || int64(int(size)) != size {
		return nil, nil, errNoMap
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return b, func() { syscall.Munmap(b) }, nil
}
