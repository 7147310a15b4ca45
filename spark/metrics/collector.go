package metrics

import (
	"context"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

const ns = "sparkmonitor"

// The label values every application gets, so that a status at zero is a 0 sample rather than a missing series.
var (
	appStates   = []string{wire.AppRunning, wire.AppFinished, wire.AppDisconnected}
	jobStatuses = []string{wire.JobRunning, wire.JobSucceeded, wire.JobFailed, wire.JobCancelled}
	stageStates = []string{wire.StagePending, wire.StageActive, wire.StageComplete, wire.StageFailed, wire.StageSkipped}
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(ns, "", name), help, labels, nil)
}

// Collector reads the store (and ingest, and the config) on every scrape. Safe for concurrent use.
type Collector struct {
	opts Options

	buildInfo, apps, appInfo, appStart, jobs, stages, tasks, executors, cores, dropped *prometheus.Desc
	queueLen, queueCap, listeners, wsClients, wsDropped, applied, malformed, rejected  *prometheus.Desc
	configGood, configLoaded, profiles                                                 *prometheus.Desc
	jobsEvicted, appsEvicted, appsRefused                                              *prometheus.Desc
}

// NewCollector returns the collector of Handler, for a registry of one's own.
func NewCollector(opts Options) *Collector {
	if opts.MaxApps <= 0 {
		opts.MaxApps = DefaultMaxApps
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	return &Collector{
		opts:      opts,
		buildInfo: desc("build_info", "The monitor's version; always 1.", "version"),
		apps:      desc("apps", "Spark applications the monitor knows, by state.", "state"),
		appInfo: desc("app_info", "One series per Spark application (the most recent, all running ones), value 1.",
			"app_id", "app_name", "spark_version", "notebook", "state"),
		appStart:  desc("app_start_time_seconds", "When the Spark application started (Unix time).", "app_id"),
		jobs:      desc("jobs", "Jobs of the application the monitor retains, by status (CANCELLED: Spark says FAILED).", "app_id", "status"),
		stages:    desc("stages", "Stage attempts of the retained jobs, by status.", "app_id", "status"),
		tasks:     desc("tasks", "Tasks of the retained stage attempts: completed, failed, killed, active.", "app_id", "status"),
		executors: desc("executors", "Executors alive (the driver in local mode).", "app_id"),
		cores:     desc("executor_cores", "Cores of the executors alive.", "app_id"),
		dropped:   desc("listener_dropped_events_total", "Events the application's listener had to drop (its queue was full).", "app_id"),
		queueLen:  desc("ingest_queue_length", "Events waiting to be applied to the monitor's state."),
		queueCap:  desc("ingest_queue_capacity", "Capacity of the ingest queue."),
		listeners: desc("listeners_connected", "Spark applications whose listener is connected now."),
		wsClients: desc("websocket_clients", "Browser WebSocket connections (live monitors) now."),
		wsDropped: desc("websocket_clients_dropped_total", "WebSocket clients disconnected for not keeping up."),
		applied:   desc("events_ingested_total", "Listener events applied to the monitor's state."),
		malformed: desc("ingest_malformed_frames_total", "Listener frames skipped because they could not be decoded."),
		rejected:  desc("ingest_rejected_connections_total", "Listener connections refused: at the handshake (wrong secret or protocol, hello too long or too late), or at once over the connection or handshake cap."),
		configGood: desc("config_last_reload_successful",
			"1 when the config file on disk is the configuration in use (or there is none), 0 when it is broken."),
		configLoaded: desc("config_last_reload_success_timestamp_seconds", "When the configuration in use was loaded (Unix time)."),
		profiles:     desc("profiles", "Spark configuration profiles of the config file, by validity.", "valid"),
		jobsEvicted:  desc("jobs_evicted_total", "Jobs of the application no longer held (retention.maxJobsPerApp).", "app_id"),
		appsEvicted:  desc("apps_evicted_total", "Ended applications no longer held (retention.maxApps)."),
		appsRefused: desc("app_events_refused_total",
			"Events of new applications dropped because every held application was connected (retention.maxApps)."),
	}
}

// Describe sends every descriptor.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.buildInfo, c.apps, c.appInfo, c.appStart, c.jobs, c.stages, c.tasks, c.executors, c.cores, c.dropped,
		c.queueLen, c.queueCap, c.listeners, c.wsClients, c.wsDropped, c.applied, c.malformed, c.rejected,
		c.configGood, c.configLoaded, c.profiles, c.jobsEvicted, c.appsEvicted, c.appsRefused,
	} {
		ch <- d
	}
}

// Collect reads everything once. A store that does not answer in time gives an invalid metric (the scrape reports
// the error and still has the other series).
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	counts, err := c.opts.Store.Counts(ctx) // first: the queue's length is then what arrived during the scrape
	gauge(c.buildInfo, 1, c.opts.Version)
	n, capacity := c.opts.Store.QueueLen()
	gauge(c.queueLen, float64(n))
	gauge(c.queueCap, float64(capacity))
	counter(c.wsDropped, float64(c.opts.Store.DroppedSubscribers()))
	if in := c.opts.Ingest; in != nil {
		gauge(c.listeners, float64(in.Connected()))
		counter(c.malformed, float64(in.Malformed()))
		counter(c.rejected, float64(in.Rejected()))
	}
	if c.opts.Config != nil {
		cs := c.opts.Config()
		gauge(c.configGood, boolValue(cs.Good))
		if !cs.LoadedAt.IsZero() {
			gauge(c.configLoaded, float64(cs.LoadedAt.UnixMilli())/1000)
		}
		gauge(c.profiles, float64(cs.ValidProfiles), "true")
		gauge(c.profiles, float64(cs.InvalidProfiles), "false")
	}

	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.apps, err)
		return
	}
	gauge(c.wsClients, float64(counts.Subscribers))
	counter(c.applied, float64(counts.EventsApplied))
	counter(c.appsEvicted, float64(counts.EvictedApps))
	counter(c.appsRefused, float64(counts.RefusedAppEvents))
	byState := map[string]int{}
	for _, a := range counts.Apps {
		byState[a.State]++
	}
	for _, s := range appStates {
		gauge(c.apps, float64(byState[s]), s)
	}
	for _, a := range shown(counts.Apps, c.opts.MaxApps) {
		gauge(c.appInfo, 1, a.AppID, a.AppName, a.SparkVersion, a.NotebookPath, a.State)
		gauge(c.appStart, float64(a.StartTime)/1000, a.AppID)
		for _, s := range jobStatuses {
			gauge(c.jobs, float64(a.Jobs[s]), a.AppID, s)
		}
		for _, s := range stageStates {
			gauge(c.stages, float64(a.Stages[s]), a.AppID, s)
		}
		gauge(c.tasks, float64(a.TasksCompleted), a.AppID, "completed")
		gauge(c.tasks, float64(a.TasksFailed), a.AppID, "failed")
		gauge(c.tasks, float64(a.TasksKilled), a.AppID, "killed")
		gauge(c.tasks, float64(a.TasksActive), a.AppID, "active")
		gauge(c.executors, float64(a.Executors), a.AppID)
		gauge(c.cores, float64(a.Cores), a.AppID)
		counter(c.dropped, float64(a.DroppedEvents), a.AppID)
		counter(c.jobsEvicted, float64(a.EvictedJobs), a.AppID)
	}
}

// shown picks the applications that get series: every running one, then the most recent others, limit in all.
func shown(apps []state.AppCounts, limit int) []state.AppCounts {
	others := limit
	for _, a := range apps {
		if a.State == wire.AppRunning {
			others--
		}
	}
	var out []state.AppCounts
	for i := len(apps) - 1; i >= 0; i-- {
		if a := apps[i]; a.State == wire.AppRunning || others > 0 {
			out = append(out, a)
			if a.State != wire.AppRunning {
				others--
			}
		}
	}
	return out
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
