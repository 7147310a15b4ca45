package history

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Retention bounds the history folder; zero values mean no bound of that kind.
type Retention struct {
	MaxApps  int
	MaxBytes int64
	MaxAge   time.Duration
}

// LogFile is one event log in the history folder.
type LogFile struct {
	Path       string
	Size       int64
	ModTime    time.Time
	InProgress bool
}

// List returns the event logs of dir, oldest (by modification time) first. A missing folder has none.
func List(dir string) ([]LogFile, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []LogFile
	for _, e := range entries {
		isLog, inProgress := isLogName(e.Name())
		if !isLog || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, LogFile{Path: filepath.Join(dir, e.Name()), Size: info.Size(), ModTime: info.ModTime(),
			InProgress: inProgress})
	}
	slices.SortStableFunc(out, func(a, b LogFile) int {
		if c := a.ModTime.Compare(b.ModTime); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out, nil
}

// Sweep deletes the oldest event logs of dir until ret holds: older than MaxAge, beyond MaxApps, beyond MaxBytes in
// total. Files named in keep (base names: the logs being written) are never deleted but count. It returns the
// deleted paths.
func Sweep(dir string, ret Retention, keep map[string]bool, now time.Time) ([]string, error) {
	files, err := List(dir)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	count := len(files)
	var removed []string
	var firstErr error
	for _, f := range files {
		tooOld := ret.MaxAge > 0 && now.Sub(f.ModTime) > ret.MaxAge
		tooMany := ret.MaxApps > 0 && count > ret.MaxApps
		tooBig := ret.MaxBytes > 0 && total > ret.MaxBytes
		if !tooOld && !tooMany && !tooBig {
			continue
		}
		if keep[filepath.Base(f.Path)] {
			continue
		}
		if err := os.Remove(f.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		removed = append(removed, f.Path)
		count--
		total -= f.Size
	}
	return removed, firstErr
}
