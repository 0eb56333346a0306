module github.com/ferrydev/ferry

go 1.25.0

require (
	go.etcd.io/bbolt v1.4.3
	go.yaml.in/yaml/v3 v3.0.4
)

require golang.org/x/sys v0.29.0 // indirect
