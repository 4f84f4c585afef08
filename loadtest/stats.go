package loadtest

import (
	"slices"
	"time"
)

// Latency summarises a sample of durations.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50Ms"`
	P99   float64 `json:"p99Ms"`
	Max   float64 `json:"maxMs"`
}

// Summarise gives the nearest-rank p50, p99 and max of samples, in
// milliseconds. It sorts samples in place.
func Summarise(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	slices.Sort(samples)
	return Latency{Count: len(samples), P50: ms(rank(samples, 0.50)), P99: ms(rank(samples, 0.99)), Max: ms(samples[len(samples)-1])}
}

// rank is the nearest-rank percentile of sorted samples.
func rank(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Rate is a count per second; zero for an empty interval.
func Rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Ratio is a/b, zero when b is.
func Ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// CDF is the distribution of sorted samples as at most points (ms, fraction)
// pairs, for drawing.
func CDF(sorted []time.Duration, points int) [][2]float64 {
	if len(sorted) == 0 || points < 2 {
		return nil
	}
	out := make([][2]float64, 0, points)
	for i := range points {
		q := float64(i) / float64(points-1)
		out = append(out, [2]float64{ms(rank(sorted, q)), q})
	}
	return out
}

// Curve turns event times into a cumulative count over seconds since t0,
// one point per step, for drawing.
func Curve(t0 time.Time, times []time.Time, step time.Duration) [][2]float64 {
	if len(times) == 0 {
		return nil
	}
	ts := slices.Clone(times)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	var out [][2]float64
	i := 0
	for at := t0; ; at = at.Add(step) {
		for i < len(ts) && !ts[i].After(at) {
			i++
		}
		out = append(out, [2]float64{at.Sub(t0).Seconds(), float64(i)})
		if i == len(ts) {
			return out
		}
	}
}
