//go:build !amd64 || purego

package rawscan

const useVector = false

func vectorRange(data []byte, key Needle) (lo, hi int) { return 0, 0 }

func scanVector(data []byte, lo, hi int, key Needle, x *Index) {}
