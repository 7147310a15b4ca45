package history

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// ErrTooLarge is returned when an event log decompresses to more than the limit given to Open.
var ErrTooLarge = errors.New("event log too large")

// MaxWindow bounds the window of a zstd-compressed log, which its decoder allocates whole: 8 MiB is what zstd's
// levels up to 19 use (Spark's codec writes level 1, a window of 512 KiB to 2 MiB). A log compressed with a bigger
// window (zstd --long or --ultra: up to 2 GiB, declared in a few bytes of its header) is refused with the reason;
// before, a 45 kB upload made with --long=27 cost two 128 MiB windows.
const MaxWindow = 8 << 20

// Magic numbers of the codecs Spark can write event logs with.
var (
	zstdMagic   = []byte{0x28, 0xb5, 0x2f, 0xfd}
	otherCodecs = []struct {
		name  string
		magic []byte
	}{
		{"lz4", []byte("LZ4Block")},
		{"snappy", []byte("\xff\x06\x00\x00sNaPpY")},
		{"snappy", []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}},
		{"lzf", []byte("ZV")},
	}
)

// Open returns the event log read from r, decompressed: zstd (Spark's codec "zstd") when it starts with zstd's
// magic number, else plain JSON lines. Other Spark codecs are refused with a reason. The content is limited to limit
// bytes after decompression (0: no limit); past it reads fail with ErrTooLarge. Close releases the decoder.
func Open(r io.Reader, limit int64) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(8)
	var out io.Reader = br
	closer := func() {}
	switch {
	case bytes.HasPrefix(head, zstdMagic):
		d, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(MaxWindow))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		out, closer = windowError{d}, d.Close
	default:
		for _, c := range otherCodecs {
			if bytes.HasPrefix(head, c.magic) {
				return nil, &FormatError{Err: fmt.Errorf("compressed with Spark's %s codec, which the monitor does not "+
					"read: use a zstd-compressed (spark.eventLog.compression.codec=zstd) or uncompressed event log", c.name)}
			}
		}
	}
	if limit > 0 {
		out = &limited{r: out, left: limit, limit: limit}
	}
	return &readCloser{Reader: out, close: closer}, nil
}

// windowError says what to do about a zstd window over MaxWindow.
type windowError struct{ r io.Reader }

func (w windowError) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if errors.Is(err, zstd.ErrWindowSizeExceeded) {
		err = &FormatError{Err: fmt.Errorf("compressed with a zstd window over the %d MiB the monitor reads (zstd "+
			"--long or --ultra): compress it again without them, or upload it uncompressed", MaxWindow>>20)}
	}
	return n, err
}

type readCloser struct {
	io.Reader
	close func()
}

func (r *readCloser) Close() error { r.close(); return nil }

// limited fails, rather than ending early, once more than limit bytes were read.
type limited struct {
	r           io.Reader
	left, limit int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, fmt.Errorf("%w: more than %d MiB uncompressed", ErrTooLarge, l.limit>>20)
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, fmt.Errorf("%w: more than %d MiB uncompressed", ErrTooLarge, l.limit>>20)
	}
	return n, err
}
