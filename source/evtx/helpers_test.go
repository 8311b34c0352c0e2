package evtx

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// sharedData returns ../shared/data next to the module root (found by
// walking up from the package directory to go.mod), or skips the test.
func sharedData(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Skipf("no working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the package directory")
		}
		dir = parent
	}
	data := filepath.Join(dir, "..", "shared", "data")
	if st, err := os.Stat(data); err != nil || !st.IsDir() {
		t.Skipf("test data %s not present", data)
	}
	return data
}

// evtxFiles lists every .evtx file under root, sorted.
func evtxFiles(t testing.TB, root string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	if len(files) == 0 {
		t.Skipf("no .evtx files under %s", root)
	}
	return files
}
