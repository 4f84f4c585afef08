package cronjob

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // time zones of spec.timeZone even where the system has none

	"github.com/robfig/cron/v3"
)

// maxSteps bounds the walk through the schedule's times before jumping, so
// that a long outage with a dense schedule costs no more than this.
const maxSteps = 1000

// ErrSchedule is a schedule that does not parse or has no usable times.
var ErrSchedule = errors.New("invalid schedule")

// Parse reads a standard cron schedule in a time zone: five fields
// (minute hour day-of-month month day-of-week) or a descriptor (@yearly,
// @monthly, @weekly, @daily, @hourly, @every <duration>).
func Parse(schedule string, loc *time.Location) (cron.Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	s, err := cron.ParseStandard("TZ=" + loc.String() + " " + schedule)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrSchedule, schedule, err)
	}
	return s, nil
}

// mostRecent is the latest time of the schedule after earliest and not after
// now (zero when there is none), and how many such times there were,
// counted roughly past maxSteps as Kubernetes does.
func mostRecent(s cron.Schedule, earliest, now time.Time) (time.Time, int, error) {
	var last time.Time
	n := 0
	for t := s.Next(earliest); !t.IsZero() && !t.After(now); t = s.Next(t) {
		last, n = t, n+1
		if n < maxSteps {
			continue
		}
		// Jump ahead by whole intervals, two short of now, then walk on.
		next := s.Next(t)
		interval := next.Sub(t).Round(time.Second)
		if interval < time.Second {
			return time.Time{}, 0, fmt.Errorf("%w: times less than a second apart", ErrSchedule)
		}
		skip := int(now.Sub(t)/interval) - 1
		if skip > 0 {
			n += skip
			t = t.Add(time.Duration(skip) * interval)
		}
		for u := s.Next(t); !u.IsZero() && !u.After(now); u = s.Next(u) {
			last, n = u, n+1
		}
		return last, n, nil
	}
	return last, n, nil
}
