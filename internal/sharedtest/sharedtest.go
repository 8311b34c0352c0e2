// Package sharedtest finds the shared test corpus (telemetry and rules from
// public projects) that lives beside the module root as ../shared. Tests
// that need it skip cleanly, saying why, where it is absent.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the module root (the folder holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

// Dir returns ../shared beside the module root, or skips the test.
func Dir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(Root(t), "..", "shared")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("shared corpus not found at %s (it sits beside the module root in CI): %v", d, err)
	}
	return d
}

// Path returns a path inside ../shared, or skips the test when it is absent.
func Path(t testing.TB, elems ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{Dir(t)}, elems...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s is absent: %v", p, err)
	}
	return p
}
