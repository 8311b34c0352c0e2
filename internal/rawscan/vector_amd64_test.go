//go:build !purego

package rawscan

import "testing"

// TestScanAVX2Kernel checks the AVX2 kernel on a CPU that would otherwise
// run the AVX-512 one.
func TestScanAVX2Kernel(t *testing.T) {
	if !useVector {
		t.Skip("this CPU has no AVX2")
	}
	if !use512 {
		t.Skip("the AVX2 kernel is the default here: TestScanAgreesWithByteSearch ran it")
	}
	use512 = false
	defer func() { use512 = true }()
	checkAgainstByteSearch(t)
}
