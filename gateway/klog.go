package gateway

import (
	"errors"
	"net"
	"sync"

	"github.com/go-logr/logr"
	"github.com/sirupsen/logrus"
	"k8s.io/klog/v2"
)

// The Kubernetes stream servers the gateway runs (SPDY, WebSocket) log
// through klog. routeKlog sends those lines through logrus, with the
// gateway's fields, so they follow --log-format; a connection the client
// closed after its session is routine and logged at debug.
var routeKlog = sync.OnceFunc(func() {
	klog.SetLogger(logr.New(klogSink{log: logrus.WithField("service", "gateway")}))
})

// klogSink is a logr sink writing to logrus: klog's info lines at debug,
// its errors as warnings.
type klogSink struct {
	log    *logrus.Entry
	name   string
	fields logrus.Fields
}

func (s klogSink) Init(logr.RuntimeInfo) {}

func (s klogSink) Enabled(level int) bool { return s.log.Logger.IsLevelEnabled(logrus.DebugLevel) }

func (s klogSink) Info(_ int, msg string, kv ...any) {
	s.entry(kv).Debug(msg)
}

func (s klogSink) Error(err error, msg string, kv ...any) {
	e := s.entry(kv).WithError(err)
	if errors.Is(err, net.ErrClosed) {
		e.Debug(msg)
		return
	}
	e.Warn(msg)
}

func (s klogSink) WithValues(kv ...any) logr.LogSink {
	s.fields = s.entry(kv).Data
	return s
}

func (s klogSink) WithName(name string) logr.LogSink {
	if s.name != "" {
		name = s.name + "/" + name
	}
	s.name = name
	return s
}

// entry is the logrus entry with the sink's fields and kv's.
func (s klogSink) entry(kv []any) *logrus.Entry {
	f := logrus.Fields{}
	for k, v := range s.fields {
		f[k] = v
	}
	if s.name != "" {
		f["logger"] = s.name
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			f[k] = kv[i+1]
		}
	}
	return s.log.WithFields(f)
}
