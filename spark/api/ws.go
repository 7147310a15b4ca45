package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

const (
	writeWait  = 10 * time.Second
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10
	// The browser sends nothing but control frames.
	maxClientMessage = 4096
)

var upgrader = websocket.Upgrader{
	ReadBufferSize:    4096,
	WriteBufferSize:   64 * 1024,
	EnableCompression: true,
	CheckOrigin:       sameOrigin,
}

// sameOrigin accepts a missing Origin (non-browser clients behind the proxy secret) or one whose host equals Host;
// jupyter-server-proxy forwards both from the browser.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// websocket streams a snapshot then coalesced deltas. One writer goroutine (this one) and one reader goroutine.
func (h *handler) websocket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.opts.Logger.Debug("websocket upgrade refused", "err", err)
		return
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	updates, err := h.opts.Source.Subscribe(ctx)
	if err != nil {
		return
	}
	view := newNotebookView(r)
	go readLoop(conn, cancel)
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case u, ok := <-updates:
			if !ok { // fell behind, or the server stops: the client reconnects and gets a fresh snapshot
				_ = conn.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "resubscribe"), time.Now().Add(writeWait))
				return
			}
			u = view.filter(coalesce(u, updates))
			_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := conn.WriteJSON(u); err != nil {
				return
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return
			}
		}
	}
}

// coalesce merges the deltas already queued behind u into one frame (later copies of an app or job win).
func coalesce(u wire.Update, more <-chan wire.Update) wire.Update {
	for {
		select {
		case next, ok := <-more:
			if !ok {
				return u
			}
			u = merge(u, next)
		default:
			return u
		}
	}
}

func merge(a, b wire.Update) wire.Update {
	if b.Type == wire.UpdateSnapshot {
		return b
	}
	apps := map[string]int{}
	for i, x := range a.Apps {
		apps[x.AppID] = i
	}
	for _, x := range b.Apps {
		if i, ok := apps[x.AppID]; ok {
			if a.Type == wire.UpdateSnapshot {
				x.Jobs, x.SQLExecutions = a.Apps[i].Jobs, a.Apps[i].SQLExecutions
				x.StreamingQueries = a.Apps[i].StreamingQueries
			}
			a.Apps[i] = x
		} else {
			apps[x.AppID] = len(a.Apps)
			a.Apps = append(a.Apps, x)
		}
	}
	mergeSQL(&a, b, apps)
	mergeStreams(&a, b, apps)
	type key struct {
		app string
		job int
	}
	if a.Type == wire.UpdateSnapshot { // fold job changes into the snapshot's apps
		for _, j := range b.Jobs {
			app := &a.Apps[apps[j.AppID]]
			replaced := false
			for k := range app.Jobs {
				if app.Jobs[k].JobID == j.JobID {
					app.Jobs[k], replaced = j, true
				}
			}
			if !replaced {
				app.Jobs = append(app.Jobs, j)
			}
		}
		return a
	}
	jobs := map[key]int{}
	for i, j := range a.Jobs {
		jobs[key{j.AppID, j.JobID}] = i
	}
	for _, j := range b.Jobs {
		if i, ok := jobs[key{j.AppID, j.JobID}]; ok {
			a.Jobs[i] = j
		} else {
			jobs[key{j.AppID, j.JobID}] = len(a.Jobs)
			a.Jobs = append(a.Jobs, j)
		}
	}
	return a
}

// mergeSQL folds b's changed SQL executions into a: into the snapshot's apps (apps indexes them), or a's changes.
func mergeSQL(a *wire.Update, b wire.Update, apps map[string]int) {
	same := func(x, y wire.SQLExecution) bool { return x.AppID == y.AppID && x.ExecutionID == y.ExecutionID }
	for _, x := range b.SQLExecutions {
		if a.Type == wire.UpdateSnapshot {
			app := &a.Apps[apps[x.AppID]]
			app.SQLExecutions = upsert(app.SQLExecutions, x, same)
		} else {
			a.SQLExecutions = upsert(a.SQLExecutions, x, same)
		}
	}
}

// upsert replaces the element of list that is the same as v, or appends v.
func upsert[T any](list []T, v T, same func(T, T) bool) []T {
	if i := slices.IndexFunc(list, func(x T) bool { return same(x, v) }); i >= 0 {
		list[i] = v
		return list
	}
	return append(list, v)
}

func readLoop(conn *websocket.Conn, cancel context.CancelFunc) {
	defer cancel()
	conn.SetReadLimit(maxClientMessage)
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}
