package natslog

import "context"

// DeleteEvent punches a hole in the stream, for tests of searches over it.
func DeleteEvent(ctx context.Context, l *Log, seq uint64) error { return l.stream.DeleteMsg(ctx, seq) }
