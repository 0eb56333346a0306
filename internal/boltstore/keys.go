package boltstore

import (
	"encoding/binary"
	"slices"
	"time"
)

// envPrefix starts the keys of everything an environment has, so a name that
// begins another (prod, prod-eu) never shares its keys.
func envPrefix(env string) []byte { return append([]byte(env), 0) }

// versionKey is the key of an environment's version, in the history and the
// deployments; versions sort as numbers.
func versionKey(env string, version int64) []byte {
	return binary.BigEndian.AppendUint64(envPrefix(env), uint64(version))
}

// createdKey appends a creation time and an id, so keys sort by time.
func createdKey(prefix []byte, at time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64(slices.Clone(prefix), uint64(at.UnixNano()))
	return append(k, id...)
}
