package history

import (
	"context"
	"errors"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"io"
	"log/slog"
	"strings"
)

// MaxUncompressed bounds what an uploaded event log may decompress to.
const MaxUncompressed = 4 << 30

// UploadKinds are errors of the caller's (the API's, which maps each to its HTTP status) that Uploads.Open's
// refusals also are, beside this package's own: Bad for a *FormatError, TooLarge for ErrTooLarge, Exists for
// ErrAppExists. A nil kind leaves that refusal this package's error alone.
type UploadKinds struct {
	Bad, TooLarge, Exists error
}

// Apps is what Uploads needs of the state store (*state.Store): where to replay, and the applications it lists.
type Apps interface {
	Sink
	Snapshot(ctx context.Context) ([]wire.App, error)
}

// Uploads opens the event logs uploaded from the dashboard: each is kept in Dir and replayed into Apps as an
// application (Import). Safe for concurrent use.
type Uploads struct {
	Dir  string
	Apps Apps
	// MaxBytes bounds an upload as sent (compressed or not); it is asked at each upload, since the config file can
	// change it. Required.
	MaxBytes func() int64
	Kinds    UploadKinds
	Logger   *slog.Logger
}

// Open reads an uploaded event log from r, keeps it and adds its application. A refusal is a *FormatError (the
// reason names the line), ErrTooLarge or ErrAppExists, and also its kind in Kinds; its message is the kind's words
// then the reason ("event log too large: more than 256 MiB").
func (u *Uploads) Open(ctx context.Context, r io.Reader) (string, error) {
	sum, err := Import(ctx, u.Dir, r, ImportOptions{
		MaxBytes: u.MaxBytes(), MaxUncompressed: MaxUncompressed, Exists: u.listed(ctx),
	}, u.Apps)
	if err != nil {
		return "", u.refusal(err)
	}
	if u.Logger != nil {
		u.Logger.Info("history: opened an uploaded event log", "app", sum.AppID, "lines", sum.Lines)
	}
	return sum.AppID, nil
}

// listed reports whether the store lists an application already (a store that does not answer lists none).
func (u *Uploads) listed(ctx context.Context) func(appID string) bool {
	return func(appID string) bool {
		apps, err := u.Apps.Snapshot(ctx)
		if err != nil {
			return false
		}
		for _, a := range apps {
			if a.AppID == appID {
				return true
			}
		}
		return false
	}
}

// refusal makes err, a refusal of Import's, also of its kind in Kinds.
func (u *Uploads) refusal(err error) error {
	var fe *FormatError
	switch {
	case errors.Is(err, ErrTooLarge):
		return ofKind(u.Kinds.TooLarge, detail(err, ErrTooLarge), err)
	case errors.Is(err, ErrAppExists):
		return ofKind(u.Kinds.Exists, detail(err, ErrAppExists), err)
	case errors.As(err, &fe):
		return ofKind(u.Kinds.Bad, err.Error(), err)
	}
	return err
}

// detail is what err says after the words of its kind same ("more than 1 MiB" of "event log too large: more than 1
// MiB"), or all of err's message when they are not in it.
func detail(err, same error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, same.Error()); i >= 0 {
		msg = strings.TrimPrefix(msg[i+len(same.Error()):], ": ")
	}
	return msg
}

// ofKind returns err as also of kind (nil: err alone), with the message "kind: reason".
func ofKind(kind error, reason string, err error) error {
	if kind == nil {
		return err
	}
	return &refused{kind: kind, err: err, msg: kind.Error() + ": " + reason}
}

// refused is a refusal of this package's (err) that is also of the caller's kind.
type refused struct {
	kind, err error
	msg       string
}

func (r *refused) Error() string   { return r.msg }
func (r *refused) Unwrap() []error { return []error{r.kind, r.err} }
