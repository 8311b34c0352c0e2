//go:build !unix

package source

import "os"

// mapFile is not available here: files are read with read().
func mapFile(f *os.File, size int64) ([]byte, func(), error) { return nil, nil, errNoMap }
