package natslog

import "context"

// DeleteEvent tries to punch a hole in the stream (refused: DenyDelete).
func DeleteEvent(ctx context.Context, l *Log, seq uint64) error { return l.stream.DeleteMsg(ctx, seq) }

// PurgeEvents tries to purge the whole stream (refused: DenyPurge).
func PurgeEvents(ctx context.Context, l *Log) error { return l.stream.Purge(ctx) }

// EventsLeader is the server name of the EVENTS stream's leader.
func EventsLeader(ctx context.Context, l *Log) (string, error) {
	info, err := l.stream.Info(ctx)
	if err != nil {
		return "", err
	}
	if info.Cluster == nil {
		return "", nil
	}
	return info.Cluster.Leader, nil
}

// EventsConsumers is how many consumers the EVENTS stream has now.
func EventsConsumers(ctx context.Context, l *Log) (int, error) {
	info, err := l.stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Consumers, nil
}
