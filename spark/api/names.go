package api

import "github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"

// The monitor's own answers are shapes of package wire; Options and cmd, which fills them, use these names.
type (
	ConfigStatus  = wire.ConfigStatus
	HistoryStatus = wire.HistoryStatus
	ProfileList   = wire.ProfileList
	Profile       = wire.Profile
)
