module github.com/sparkmonitor/sparkmonitor-go

go 1.26.8

require (
	github.com/gorilla/mux v1.8.1
	github.com/gorilla/websocket v1.5.3
	golang.org/x/sync v0.25.0
)

require (
	github.com/fsnotify/fsnotify v1.10.1
	github.com/klauspost/compress v1.20.4
	github.com/koding/websocketproxy v0.0.0-20181220232114-7ed82d81a28c
	gopkg.in/yaml.v3 v3.0.1
)

require golang.org/x/sys v0.13.0 // indirect
