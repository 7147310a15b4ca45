package history

import (
	"os"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// openLost opens the in-progress log of an application whose driver is lost and which this recorder has no log of
// (a past application restored at start: its listener never came back); nil when there is none.
func (r *Recorder) openLost(app string, x *state.DriverLost) (*appLog, error) {
	path := r.logBase(app, x.AttemptID) + Ext + InProgress
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil
	}
	l := &appLog{enc: newEncoder(r.maxJobsPerApp()), path: path, lastWrite: fi.ModTime()}
	if err := r.rewrite(l); err != nil {
		return nil, err
	}
	r.logs[app] = l
	return l, nil
}

// lost ends the log of an application whose driver is lost: the driver-lost mark, Spark's application end, and the
// log's final name, so a restart shows the application ended and Spark's History Server lists it as completed. The
// end is the loss's time; when that is unknown (0: a restored application) the log's last write before this process.
func (r *Recorder) lost(app string, l *appLog, x *state.DriverLost) {
	t := x.Time
	if t <= 0 && !l.lastWrite.IsZero() {
		t = l.lastWrite.UnixMilli()
	}
	r.buf = l.enc.encode(r.buf[:0], &state.DriverLost{Header: event.Header{Time: t}})
	r.buf = l.enc.encode(r.buf, &event.AppEnd{Header: event.Header{Type: "appEnd", Time: t}})
	if _, err := l.zw.Write(r.buf); err != nil {
		r.fail(app, err)
		return
	}
	r.finish(app, l)
}
