package main

import (
	"context"
	"net/url"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// uiResolver adapts the state store to proxy.Resolver: the UI URL from a running application's hello.
type uiResolver struct{ store *state.Store }

// resolveTimeout bounds the wait for the state goroutine, which may be applying a burst of events.
const resolveTimeout = 5 * time.Second

func (r uiResolver) UIURL(app string) (*url.URL, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	ui, ok, err := r.store.RunningUI(ctx, app)
	if err != nil || !ok {
		return nil, false
	}
	u, err := url.Parse(ui)
	return u, err == nil
}

// CancelEnabled says whether Spark's own kill links may be followed through the proxy: as the cancel buttons.
func (r uiResolver) CancelEnabled(app string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	enabled, err := r.store.CancelEnabled(ctx, app)
	return err == nil && enabled
}
