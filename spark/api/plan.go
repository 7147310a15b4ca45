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

// planGraph builds the plan's graph (spark/plan) into its wire shape.
func planGraph(app string, v state.PlanView) (wire.SQLPlan, error) {
	p := v.Plan
	x := plan.Execution{ID: p.ExecutionID, Status: v.Status, Nodes: make([]plan.SparkNode, len(p.Nodes)),
		Edges: make([]plan.Edge, len(p.Edges))}
	for i, n := range p.Nodes {
		x.Nodes[i] = plan.SparkNode{NodeID: n.NodeID, NodeName: n.NodeName, WholeStageCodegenID: n.WholeStageCodegenID,
			Metrics: make([]plan.SparkMetric, len(n.Metrics))}
		for j, m := range n.Metrics {
			x.Nodes[i].Metrics[j] = plan.SparkMetric{Name: m.Name, Value: m.Value}
		}
	}
	for i, e := range p.Edges {
		x.Edges[i] = plan.Edge{FromID: e.FromID, ToID: e.ToID}
	}
	g, err := plan.Build(x)
	if err != nil {
		return wire.SQLPlan{}, err
	}
	return wire.SQLPlan{PlanGraph: wireGraph(g), AppID: app, Running: v.Status == wire.SQLRunning, Final: p.Final,
		UpdatedMs: p.Time, Truncated: p.Truncated}, nil
}

func wireGraph(g plan.Graph) wire.PlanGraph {
	out := wire.PlanGraph{ID: g.ID, Status: g.Status, Nodes: make([]wire.PlanNode, len(g.Nodes)),
		Edges: make([]wire.PlanEdge, len(g.Edges)), TimeMs: g.TimeMs, Top: g.Top}
	for i, n := range g.Nodes {
		w := wire.PlanNode{ID: n.ID, Name: n.Name, Cluster: n.Cluster, Metrics: make([]wire.PlanMetric, len(n.Metrics)),
			Rows: n.Rows, TimeMs: n.TimeMs, Share: n.Share, Stages: n.Stages}
		for j, m := range n.Metrics {
			w.Metrics[j] = wire.PlanMetric{Name: m.Name, Text: m.Text}
			if m.Value != nil {
				v := *m.Value
				w.Metrics[j].Value = &wire.PlanValue{Kind: string(v.Kind), Total: v.Total, HasTotal: v.HasTotal,
					Dist: v.Dist, Min: v.Min, Med: v.Med, Max: v.Max, MaxStage: v.MaxStage, MaxAttempt: v.MaxAttempt,
					MaxTask: v.MaxTask}
			}
		}
		out.Nodes[i] = w
	}
	for i, e := range g.Edges {
		out.Edges[i] = wire.PlanEdge(e)
	}
	return out
}
