// Package store is the contract for everything Ferry remembers: environments and
// their history, releases, plans, promotions with their decisions and events. Two
// implementations keep it: internal/dynamo (DynamoDB, in AWS) and internal/boltstore
// (an embedded file, for ferry local). One conformance suite, store/storetest, runs
// against both.
//
// Contract notes:
//   - Errors are *fault.Error with the codes each method lists; anything else is an
//     internal error. One stale plan is also ErrPlanStale, for errors.Is.
//   - Writes never read the clock: times come in the values passed, so tests control
//     them.
//   - Environments and promotions carry a Revision. Save* succeed only when the stored
//     revision is the one passed, and then increase it; the specialised operations
//     (lock, switch, decisions) are atomic on their own and increase it too.
//   - Releases and plans are immutable and addressed by their id and digest; putting
//     the same one twice is a no-op.
//
// Decisions: the rules both implementations follow are stated here once, as plain
// functions on domain values, one file per aggregate (environments.go, locks.go,
// switch.go, promotions.go, content.go): which fields a save writes, when a lock
// is free, when a switch is a replay of one that happened or a stale plan, when a
// decision may be recorded, and the wording of every error a caller sees. The
// implementations only translate them to their storage: bbolt applies them inside
// one write transaction, DynamoDB turns them into condition expressions and calls
// them again to explain a failed condition. A decision is closed once: Decided
// says whether a decision closes it (a rejection, or the approval that brings
// the counted approvals to the snapshot's min_approvals) and Closed what a cancel
// or the expiry writes; RecordDecision and CloseDecision apply them in one
// conditional write, and SavePromotion never touches the closure. A switch is
// refused for a promotion whose decision anything but the quorum closed
// (CheckSwitchable). LoadPromotion (update.go) is the read the pipeline and the
// operations share, and UpdatePromotion the pipeline's read-modify-write; the
// operations change a promotion only through the decision operations.
package store
