module github.com/sparkmonitor/sparkmonitor-go

go 1.26.8
