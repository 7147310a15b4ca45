package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/plan"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// The SQL plan endpoint (API.md "SQL plan").

// Plans reads the latest plan of a SQL execution; *state.Store implements it. Safe for concurrent use.
type Plans interface {
	SQLPlan(ctx context.Context, appID string, executionID int64) (state.PlanView, error)
}

func (h *handler) registerPlan(p *mux.Router) {
	h.planReqs = newPlanRequests(h.opts.Controller, h.opts.Logger)
	p.HandleFunc("/api/apps/{appId}/sql/{executionId:[0-9]+}/plan", h.sqlPlan).Methods(http.MethodGet)
}

// sqlPlan answers the latest plan it has, and counts the request as someone viewing the execution (planrequests.go)
// until its final plan is there.
func (h *handler) sqlPlan(w http.ResponseWriter, r *http.Request) {
	app := mux.Vars(r)["appId"]
	id, err := strconv.ParseInt(mux.Vars(r)["executionId"], 10, 64)
	if err != nil {
		respondError(w, http.StatusBadRequest, "bad_request", "executionId must be a non-negative integer")
		return
	}
	if h.opts.Plans == nil {
		respondError(w, http.StatusServiceUnavailable, "unavailable", "this monitor serves no SQL plans")
		return
	}
	v, err := h.opts.Plans.SQLPlan(r.Context(), app, id)
	final := err == nil && v.Plan.Final
	if h.opts.Controller != nil && (err == nil || errors.Is(err, state.ErrNoPlan)) {
		if final {
			h.planReqs.stop(app, id)
		} else {
			h.planReqs.view(app, id)
		}
	}
	switch {
	case errors.Is(err, state.ErrUnknownApp), errors.Is(err, state.ErrUnknownExecution), errors.Is(err, state.ErrNoPlan):
		respondError(w, http.StatusNotFound, "not_found", err.Error())
		return
	case err != nil:
		respondError(w, http.StatusServiceUnavailable, "internal", err.Error())
		return
	}
	out, err := planGraph(app, v)
	if err != nil {
		respondError(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	respond(w, out)
}

// planGraph builds the plan's graph (spark/plan) with how fresh it is.
func planGraph(app string, v state.PlanView) (wire.SQLPlan, error) {
	p := v.Plan
	g, err := plan.Build(plan.Execution{ID: p.ExecutionID, Status: v.Status, Nodes: p.Nodes, Edges: p.Edges})
	if err != nil {
		return wire.SQLPlan{}, err
	}
	return wire.SQLPlan{PlanGraph: g, AppID: app, Running: v.Status == wire.SQLRunning, Final: p.Final,
		UpdatedMs: p.Time, Truncated: p.Truncated}, nil
}
