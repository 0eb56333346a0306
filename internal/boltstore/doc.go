// Package boltstore keeps Ferry's state in one bbolt file under the data directory,
// for ferry local. It implements store.Store with the same behaviour as the
// DynamoDB store: bbolt runs one write transaction at a time, so every operation is
// atomic and serializable by construction.
//
// Layout, one bucket per kind of record (keys in brackets):
//
//	env        [name]                           environment JSON
//	version    [env 0x00 version(8, big-endian)] history entry JSON
//	deploy     [env 0x00 version(8)]            node references, gzipped JSON
//	release    [id]                             canonical release JSON, gzipped
//	plan       [digest]                         plan JSON, gzipped
//	promo      [id]                             promotion JSON with its task token
//	promo_env  [env 0x00 created(8) id]         id: promotions by environment
//	pending    [created(8) id]                  id: promotions awaiting approval
//	event      [id] → nested bucket [seq(8)]    event JSON, in order
//
// Page tokens are the base64url of the last key returned.
//
// Decisions: every rule is package store's (which fields a save writes, when a
// lock is free, a switch's replay and stale-plan checks, when a decision may be
// recorded, the errors' wording); this package reads the records a rule needs,
// applies it and writes the result, all in one transaction, so no rule needs a
// condition or a retry here. Files follow the aggregates: environments.go,
// locks.go, switch.go (with the history it writes), promotions.go, content.go
// (releases, plans, deployments), then list.go (pages), keys.go and codec.go.
package boltstore
