// Package boltfile opens Ferry's bbolt files (the embedded store and the Step
// Functions emulator's journal) so that a damaged file is an error naming the file
// and what is wrong with it, never a panic or a crash.
//
// bbolt maps its file into memory and trusts what it reads: a file cut short below
// the pages its header counts makes the process die of SIGBUS, and damaged pages
// make bbolt panic. So Open does three things:
//
//   - Before bbolt sees the file, it checks what bbolt relies on at open, with a
//     few small reads whatever the file's size: the two header (meta) pages as
//     bbolt validates them (magic, format version, checksum), the page size, that
//     the file is a whole number of pages and holds every page the newest valid
//     header counts, that the root and free-list pages are in range and are what
//     the header says, and that every free page is in range (so a commit never
//     writes over a header or past the end).
//   - While bbolt opens the file and creates the buckets, a panic, and a memory
//     fault (SIGBUS) in this goroutine, which the Go runtime turns into a panic
//     on request, become the same error: the last resort for damage the checks do
//     not see.
//   - bbolt's errors that mean damage (not a bbolt file, another format version, a
//     checksum mismatch) become the same error too.
//
// Decisions: one damaged header page is not an error: bbolt falls back to the
// other, which is how it survives a crash in the middle of a commit (the commit
// did not return, so nothing acknowledged is lost). Open does not read every page
// (bbolt's Tx.Check): that reads the whole file at every start, and it runs in a
// goroutine of its own where a panic on a damaged page cannot be recovered.
// Damage inside the tree therefore shows when the page is read, not at open.
// When bbolt panics inside bolt.Open after mapping the file, the mapping cannot
// be undone, and it keeps bbolt's lock on the file until the process ends; ferry
// local ends on the error anyway, and the checks cover what bolt.Open reads.
// An empty or missing file is created, as bbolt does: whether that is allowed is
// the data directory's business (package datadir).
package boltfile
