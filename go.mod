module github.com/sparkmonitor/sparkmonitor-go

go 1.26.8

require (
	github.com/gorilla/mux v1.8.1
	github.com/gorilla/websocket v1.5.3
	golang.org/x/sync v0.25.0
)
