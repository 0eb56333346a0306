// Package datadir guards ferry local's data directory, which holds the embedded
// store, the Step Functions journal and the users file:
//
//   - a lock, so that one process at a time uses the directory, and the next one
//     is told which process holds it;
//   - a manifest, recording which files the directory has used, so that one of
//     them missing or emptied is refused instead of silently recreated empty.
//
// Lock: the file ferry.lock, locked with flock (LockFileEx on Windows) for as long
// as the directory is open, holding one line of JSON about the holder:
// {"pid":12345,"host":"build-7","started":"2026-12-02T08:00:00Z"}. The kernel
// lets go of the lock when the process ends, however it ends, so a lock file left
// by a dead process blocks nothing: its text is only what a refused process
// reports. The file is never removed (removing a lock file lets two processes lock
// two different files of the same name); a clean Close empties it.
//
// Manifest: the file ferry-data.json, {"format":1,"files":["ferry.db","stepfn.db"]},
// written atomically (a temporary file renamed over it). A file is listed once it
// has been opened, and stays listed: it holds the directory's history. Decisions:
//
//   - The manifest lists files, not a mode. With --dynamodb-endpoint the store
//     file is neither opened nor checked nor listed; a directory first used that
//     way and later with the embedded store gets a new store file (there was none
//     to lose), while a directory that had a store file keeps it listed and gets
//     it checked when the embedded store is used again.
//   - A directory from before the manifest has none: the files it holds are
//     accepted as they are and listed from then on.
//   - A manifest of a newer format is refused rather than rewritten.
package datadir
