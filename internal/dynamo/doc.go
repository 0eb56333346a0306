// Package dynamo keeps Ferry's state in one DynamoDB table (single-table design),
// implementing store.Store for AWS. The table is defined once, in template.yaml
// (see TableDefinition).
//
// Items (PK / SK, then the index keys they carry):
//
//	environment   ENV#<name> / ENV            GSI1 ENVS / <name>
//	                                          GSI2 EXPIRY / <expires>        (ephemeral only)
//	version       ENV#<name> / VER#<version>
//	promotion     PROMO#<id> / PROMO          GSI1 ENVPROMO#<target> / <created>#<id>
//	                                          GSI2 PENDING / <created>#<id>  (awaiting approval only)
//	event         PROMO#<id> / EVENT#<seq>
//	blob part     BLOB#<key> / PART#<n>       releases (REL#<id>), plans (PLAN#<digest>) and
//	                                          deployments (DEPLOY#<env>#<version>#<promotion>)
//
// Access patterns:
//   - environment by name: GetItem ENV#name/ENV;
//   - what is live where: Query GSI1 ENVS;
//   - expired ephemeral environments: Query GSI2 EXPIRY, sort key <= now;
//   - environment history, newest first: Query ENV#name, SK begins_with VER#, descending;
//   - promotion with its events: Query PROMO#id (one request);
//   - promotions by environment, newest first: Query GSI1 ENVPROMO#env, descending;
//   - pending approvals, oldest first: Query GSI2 PENDING;
//   - a release, plan or deployment: Query BLOB#key.
//
// Times in sort keys are zero-padded Unix nanoseconds, so they sort as numbers. Page
// tokens are the base64url of the last item's keys; lists fetch one item more than
// asked, so a page with a token always has a successor.
//
// Blobs (releases, plans, deployments) are gzipped and split into parts of at most
// 350 KB (items are limited to 400 KB), then a small META item holding the number
// of parts is written: its presence means the blob is complete.
//
// Atomicity: a switch is one TransactWriteItems (see the switchItem indexes): the
// environment, conditioned on its version; the history entry; the promotion's
// state, conditioned on its not having ended; a check that the release's META
// exists; and clearing the ttl of the new deployment's META. The deployment is
// written before, with that ttl, so the deployment of a switch that loses a race
// expires as a whole (its parts stay, unread, until cleanup removes them; the
// environment lock makes such races rare). A decision, or a closure, is one
// UpdateItem conditioned on the promotion's revision as read: the store reads the
// promotion, applies store.CheckDecision and store.Decided (or CheckClose and
// Closed) and writes the decision with the closure it brings; a concurrent write
// makes it read again (changeDecision), so decisions racing at the quorum are
// serialized and exactly one closes it. The closure is a map attribute (closed:
// how, by, at), which the switch's condition reads.
//
// Decisions:
//   - The rules are package store's; this package turns them into condition
//     expressions, and when a condition fails it reads the item and asks the
//     same rule (store.CheckDecision, store.LockedError, SwitchRequest.Check)
//     what to report, so both stores answer alike.
//   - The version, current deployment and lock have attributes of their own,
//     written only by Switch and the lock operations; the rest of an environment
//     is one JSON attribute. SaveEnvironment reads the stored item, copies env's
//     settings onto it (store.SavedEnvironment) and writes it back conditioned on
//     the revision read, so a save never changes the name or creation time either.
//     The read costs one GetItem on a rare, admin-only operation.
//   - Throttling is retried by the SDK client's retryer (see NewLocalClient);
//     transaction conflicts by Switch and unprocessed batch items by batchWrite,
//     after a pause that ends early, with the context's error, when the context
//     does.
//
// Files follow the aggregates: environments.go, locks.go, switch.go (with the
// history it writes), promotions.go, content.go (releases, plans, deployments, on
// blob.go); then keys.go and items.go (keys and the items' codec), update.go
// (update expressions) and query.go (queries, pages, batches, back-off).
package dynamo
