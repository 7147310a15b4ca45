package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxFileBytes bounds the config file: a real one is a few kilobytes (profiles of Spark settings included).
const MaxFileBytes = 1 << 20

// errNotRegular and errTooLarge are why a config file that exists is not read.
var (
	errNotRegular = errors.New("not a regular file")
	errTooLarge   = fmt.Errorf("more than the %d MiB a config file may have", MaxFileBytes>>20)
)

// readFile reads the config file when it is a regular file (through symlinks) of at most MaxFileBytes. It never
// blocks on what is not one: it looks before it opens (a FIFO without a writer would block open for ever, /dev/zero
// never ends), opens without blocking and without taking a terminal, and looks again at what it opened (the path may
// have been replaced in between). A missing file is an error that wraps fs.ErrNotExist.
func readFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkFile(fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkFile(fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("it grew while read: %w", errTooLarge)
	}
	return data, nil
}

// checkFile refuses what is not a regular file of at most MaxFileBytes, saying what it is.
func checkFile(fi fs.FileInfo) error {
	if t := fi.Mode().Type(); t != 0 {
		return fmt.Errorf("it is %s: %w", kind(t), errNotRegular)
	}
	if fi.Size() > MaxFileBytes {
		return fmt.Errorf("it has %d bytes: %w", fi.Size(), errTooLarge)
	}
	return nil
}

func kind(t fs.FileMode) string {
	switch {
	case t&fs.ModeDir != 0:
		return "a directory"
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a block device"
	case t&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a " + t.String() + " file"
}
