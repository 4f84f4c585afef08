package natslog

import "context"

// DeleteEvent tries to punch a hole in the stream (refused: DenyDelete).
func DeleteEvent(ctx context.Context, l *Log, seq uint64) error { return l.stream.DeleteMsg(ctx, seq) }

// PurgeEvents tries to purge the whole stream (refused: DenyPurge).
func PurgeEvents(ctx context.Context, l *Log) error { return l.stream.Purge(ctx) }
