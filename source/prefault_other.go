//go:build !linux

package source

// prefault is a no-op where the kernel has no MADV_POPULATE_READ.
func prefault(b []byte) {}
