package state

import "context"

// AppCounts are one application's numbers for the metrics endpoint (spark/metrics). Like the API, they cover what
// the monitor retains (retention.maxJobsPerApp): jobs, and the stage attempts and tasks of those jobs.
type AppCounts struct {
	AppID, AppName, SparkVersion, NotebookPath, State string
	StartTime                                         int64 // epoch ms
	// Jobs by status (JobRunning, JobSucceeded, JobFailed, JobCancelled); Stages: stage attempts by status.
	Jobs, Stages map[string]int
	// Tasks of the retained stage attempts: ended successfully, failed, killed, running.
	TasksCompleted, TasksFailed, TasksKilled, TasksActive int
	// Executors and Cores alive now (the driver in local mode), as App.numExecutors and totalCores.
	Executors, Cores int
	// DroppedEvents is what the listener reported it had to drop.
	DroppedEvents int64
	// EvictedJobs: jobs no longer held (retention.maxJobsPerApp).
	EvictedJobs int
}

// Counts are the store's numbers at one moment.
type Counts struct {
	Apps []AppCounts // in order of first appearance
	// Subscribers: live subscriptions (the browser's WebSockets).
	Subscribers int
	// EventsApplied counts the events applied to the state since the store started.
	EventsApplied int64
	// EvictedApps: ended applications forgotten for retention.maxApps; RefusedAppEvents: events of new applications
	// dropped because every held application was connected.
	EvictedApps, RefusedAppEvents int64
}

// Counts computes the numbers on the owner goroutine, after the events already submitted, without copying jobs.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	var out Counts
	err := s.do(ctx, func() {
		out.Subscribers, out.EventsApplied = len(s.active), s.applied
		out.EvictedApps, out.RefusedAppEvents = s.evictedApps, s.refusedAppEvents
		out.Apps = make([]AppCounts, 0, len(s.appOrder))
		for _, id := range s.appOrder {
			out.Apps = append(out.Apps, s.apps[id].counts())
		}
	})
	return out, err
}

func (a *liveApp) counts() AppCounts {
	h := a.header()
	c := AppCounts{
		AppID: h.AppID, AppName: h.AppName, SparkVersion: h.SparkVersion, NotebookPath: h.NotebookPath, State: h.State,
		StartTime: h.StartTime, Executors: h.NumExecutors, Cores: h.TotalCores, DroppedEvents: h.DroppedEvents,
		EvictedJobs: h.EvictedJobs,
		Jobs:        map[string]int{}, Stages: map[string]int{},
	}
	for _, j := range a.jobs {
		c.Jobs[j.info.Status]++
	}
	for _, st := range a.stages {
		c.Stages[st.info.Status]++
		c.TasksCompleted += st.info.NumCompletedTasks
		c.TasksFailed += st.info.NumFailedTasks
		c.TasksKilled += st.info.NumKilledTasks
		c.TasksActive += st.info.NumActiveTasks
	}
	return c
}
