// Package projections is the one projection engine of Jetplane. A Projection
// follows the event log from a sequence with no gap and no duplicate and folds
// every event into a State: the objects as they stand, with indexes by
// namespace, label, node and owner. It reports the last applied sequence,
// lets a writer wait for its own write (WaitFor), and AsOf builds the State as
// it was at any past sequence (time travel).
//
// Objects held in a State are shared and must be treated as read-only;
// DeepCopy before changing one.
package projections
