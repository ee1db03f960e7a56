// Package oracle lets an optimiser written in any language stand in for ours: verify starts
// the user's program once, and the program serves problem after problem over its standard
// input and output, one JSON object per line (protocol version 1).
//
// For the GD role (theorems.GDMethod) a problem goes:
//
//	verify → child  {"type":"problem","version":1,"method":"gd","id":7,"dim":2,
//	                 "x0":[1,-2],"steps":[0.5,0.5,0.25],"constants":{"L":2}}
//	child → verify  {"type":"grad","id":7,"x":[1,-2]}        (any number of requests,
//	verify → child  {"type":"grad","id":7,"g":[2,-4]}         answered by the objective itself)
//	child → verify  {"type":"value","id":7,"x":[0,0]}
//	verify → child  {"type":"value","id":7,"f":0}
//	child → verify  {"type":"iterates","id":7,"xs":[[1,-2],[0,0],[0,0],[0,0]]}
//
// The child must answer with the T+1 iterates θ_0 … θ_T, where T = len(steps); the theorems
// judge them (a wrong count is the "trajectory length" step, a violation). The child may
// give up a problem with {"type":"error","id":7,"message":"…"}, e.g. on an unknown version or
// method. When verify is done it closes the child's standard input; the child should then
// exit. Only protocol lines may go to standard output; logs go to standard error, whose last
// lines every error report quotes.
//
// Everything the child does wrong is a *ProtocolError, never a hang: malformed JSON, an unknown
// type, a missing or wrong id, a point or iterate of the wrong dimension, a number JSON
// decodes to ±Inf (1e999), no iterates at all, too many requests for one problem, an error
// message, an exit or closed output, and silence longer than the per-message timeout. The
// child's process group is killed on the first error and when the session closes, so nothing
// outlives verify. Numbers are finite in both directions (JSON has no NaN or Inf): when the
// objective's value or gradient at a point the child asks about is not finite (the method
// diverged), that too is a *ProtocolError.
//
// A Session runs up to Options.MaxChildren copies of the command, each serving problems one at
// a time; a child must therefore keep no state from one problem to the next.
package oracle
