package history

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The refusals of an uploaded log are this package's errors and the caller's kinds, with their reason; an accepted
// log is kept in the folder and listed.
func TestUploadRefusalsAreOfTheCallersKinds(t *testing.T) {
	store := startStore(t)
	kinds := UploadKinds{Bad: errors.New("bad log"), TooLarge: errors.New("too large"), Exists: errors.New("listed")}
	u := &Uploads{Dir: t.TempDir(), Apps: store, MaxBytes: func() int64 { return 1 << 20 }, Kinds: kinds}

	log := `{"Event":"SparkListenerLogStart","Spark Version":"4.1.1"}` + "\n" +
		`{"Event":"SparkListenerApplicationStart","App Name":"x","App ID":"app-1","Timestamp":1,"User":"u"}` + "\n" +
		`{"Event":"SparkListenerApplicationEnd","Timestamp":2}` + "\n"
	if id, err := u.Open(context.Background(), strings.NewReader(log)); err != nil || id != "app-1" {
		t.Fatalf("Open: %q %v", id, err)
	}
	if _, err := os.Stat(filepath.Join(u.Dir, "app-1")); err != nil {
		t.Errorf("not kept: %v", err)
	}
	var fe *FormatError
	cases := []struct {
		body  string
		kind  error
		is    func(error) bool
		msg   string
		owned string
	}{
		{log, kinds.Exists, func(err error) bool { return errors.Is(err, ErrAppExists) }, "listed: app-1", "ErrAppExists"},
		{"{\"Event\":\"SparkListenerLogStart\"}\n{oops\n", kinds.Bad, func(err error) bool { return errors.As(err, &fe) },
			"bad log: line 2: malformed JSON", "*FormatError"},
		{strings.Repeat("x", 2<<20), kinds.TooLarge, func(err error) bool { return errors.Is(err, ErrTooLarge) },
			"too large: more than 1 MiB", "ErrTooLarge"},
	}
	for _, c := range cases {
		_, err := u.Open(context.Background(), strings.NewReader(c.body))
		if !errors.Is(err, c.kind) || !c.is(err) || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%.20q: %v, want %v and %s, %q", c.body, err, c.kind, c.owned, c.msg)
		}
	}

	// Without kinds, a refusal is this package's error as Import said it.
	u.Kinds = UploadKinds{}
	_, err := u.Open(context.Background(), strings.NewReader(strings.Repeat("x", 2<<20)))
	if !errors.Is(err, ErrTooLarge) || err.Error() != "event log too large: more than 1 MiB" {
		t.Errorf("no kinds: %v", err)
	}
}
