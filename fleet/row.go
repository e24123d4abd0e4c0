package fleet

import "wsops/data"

// State is what the console knows about a row beyond its record: how it moved
// in the last refresh and what a GetConnection probe said.
type State uint8

// The bits of State.
const (
	// Appeared marks a row new since the previous refresh (for one cycle).
	Appeared State = 1 << iota
	// Vanished marks a row present before and absent now. It is kept for one
	// refresh cycle, then dropped.
	Vanished
	// Gone means a probe (GetConnection) said the connection is gone.
	Gone
	// Live means a probe said the connection is connected.
	Live
)

// probeBits are the State bits that come from probes and survive refreshes.
const probeBits = Gone | Live

// Problems that make a row stale, exactly as the data package writes them.
const (
	problemTooOld     = data.ProblemTooOld
	problemTTLExpired = data.ProblemTTLExpired
)

// Row is one connection record as the console keeps it. A stored Row is never
// changed: share it freely, and do not modify it or its Problems.
type Row struct {
	ID       string
	User     string
	App      string // interned: one string per distinct value
	Entity   string // interned
	Platform string // interned
	// Business is the merchant's business id, where the schema has one.
	Business string
	// ConnectedAt is in Unix milliseconds; 0 when unknown.
	ConnectedAt int64
	// Problems are interned (rows with the same problems share one slice).
	Problems []string
}

// isStale reports whether problems say a record cannot belong to a live
// connection: it is older than API Gateway's 2 h maximum, or its TTL has
// passed (a subscription's is:stale; a connection's is what a probe says).
func isStale(problems []string) bool {
	for _, p := range problems {
		if p == problemTooOld || p == problemTTLExpired {
			return true
		}
	}
	return false
}

// rowCodes are a row's interned values as dictionary codes, kept beside the
// rows so that filters compare integers and match each distinct value once.
type rowCodes struct {
	app, entity, platform, problems uint32
}
