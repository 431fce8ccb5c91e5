//go:build !linux

package app

// releaseStartPages does nothing where there is no /proc/self/smaps.
func releaseStartPages() (int64, error) { return 0, nil }
