// Package fleet is wsops's query engine: the in-memory fleet of connection
// records (and its subscriptions list), compact, and fast to filter and sort
// at 100,000 rows, and the filter language (Parse, Query) that picks rows
// from it and pushes what the registry can serve down to it (Query.Select).
//
// A Fleet is owned by one goroutine (the UI's), which feeds it scan pages and
// probe results. Everything else reads Snapshots, which never change and may be
// used from any goroutine: Snapshot.Query over 100,000 rows belongs in a
// command, not in Update.
//
// # Memory layout
//
// Rows live in fixed arrays of 1,024 (chunks), with a parallel array of
// dictionary codes (app, entity type, platform, problem list: 16 bytes). App,
// entity type and platform are interned, one string per distinct value;
// problems are interned twice over, each string once and each distinct list
// once, so rows with the same problems share one slice. The ids and users of
// a scan page are copied into one string that the page's rows slice, so a row
// keeps nothing of the decoded item alive. Connection ids are found through a
// short list of open-addressing hash tables over row ranges (12 to 24 bytes
// per row), not a Go map. State is one byte per row.
//
// # Immutability
//
// Rows, codes, the dictionaries' value lists and sealed hash tables are
// append-only: a Snapshot holds copies of their list headers, and the Fleet's
// later appends write only past the snapshot's lengths. A refresh collects a
// new generation beside the visible one and swaps it in; the old one lives on
// in the snapshots that hold it. States are the one thing written in place (by
// SetProbe); the state array is copied first when a snapshot holds it.
package fleet
