package state

import (
	"context"
	"fmt"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

func logLine(cell *string, msg string, dropped int64) *event.LogLine {
	return &event.LogLine{Header: event.Header{Type: "log", Time: 5}, Level: "WARN", Logger: "x", Thread: "main",
		Msg: msg, Source: event.LogSourceJVM, CellID: cell, Dropped: dropped}
}

func cellMessages(t *testing.T, s *Store, c Cell) ([]string, int64, int64) {
	t.Helper()
	logs, err := s.Logs(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, l := range logs.Lines {
		msgs = append(msgs, l.AppID+":"+l.Message)
	}
	return msgs, logs.Dropped, logs.Forgotten
}

// A cell gets the lines logged while it ran, in its notebook's apps only; lines between cells are nobody's.
func TestLogLinesGoToTheCellThatWasRunning(t *testing.T) {
	s, _ := startStore(t, Options{})
	c1, c2 := "c1", "c2"
	h := hello("app-a", 1)
	h.KernelID = "kernel-a"
	submitAll(t, s, "app-a", h, logLine(&c1, "one", 0), logLine(nil, "between", 0), logLine(&c2, "two", 3),
		logLine(&c1, "three", 2))
	other := hello("app-b", 1)
	other.KernelID = "kernel-b"
	submitAll(t, s, "app-b", other, logLine(&c1, "other notebook", 0))

	got, dropped, _ := cellMessages(t, s, Cell{ID: "c1", KernelID: "kernel-a"})
	if fmt.Sprint(got) != "[app-a:one app-a:three]" || dropped != 3 {
		t.Errorf("cell c1 of kernel-a: lines %v, dropped %d; want [app-a:one app-a:three], 3", got, dropped)
	}
	if got, _, _ := cellMessages(t, s, Cell{ID: "c2", KernelID: "kernel-a"}); fmt.Sprint(got) != "[app-a:two]" {
		t.Errorf("cell c2: %v, want [app-a:two]", got)
	}
	if got, _, _ := cellMessages(t, s, Cell{ID: "c3", KernelID: "kernel-a"}); len(got) != 0 {
		t.Errorf("a cell that logged nothing: %v", got)
	}
}

// An app keeps its last MaxLogLinesPerApp lines and counts the ones it let go.
func TestLogLinesAreBoundedPerApp(t *testing.T) {
	s, _ := startStore(t, Options{})
	c := "c"
	evs := []event.Event{hello("app-r", 1)}
	for i := range MaxLogLinesPerApp + 250 {
		evs = append(evs, logLine(&c, fmt.Sprint(i), 0))
	}
	submitAll(t, s, "app-r", evs...)
	got, _, forgotten := cellMessages(t, s, Cell{ID: "c"})
	if len(got) != MaxLogLinesPerApp || forgotten != 250 {
		t.Fatalf("kept %d lines, forgot %d; want %d and 250", len(got), forgotten, MaxLogLinesPerApp)
	}
	if got[0] != "app-r:250" || got[len(got)-1] != fmt.Sprintf("app-r:%d", MaxLogLinesPerApp+249) {
		t.Errorf("kept %s … %s, want the newest, oldest first", got[0], got[len(got)-1])
	}
}
