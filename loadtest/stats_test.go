package loadtest

import (
	"testing"
	"time"
)

func TestSummarise(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Latency
	}{
		{"empty", nil, Latency{}},
		{"one", ms(7), Latency{Count: 1, P50: 7, P99: 7, Max: 7}},
		{"two", ms(9, 1), Latency{Count: 2, P50: 1, P99: 9, Max: 9}},
		{"hundred: nearest rank", ms(hundred...), Latency{Count: 100, P50: 50, P99: 99, Max: 100}},
	}
	for _, tc := range tests {
		if got := Summarise(tc.in); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestRateAndRatio(t *testing.T) {
	tests := []struct {
		n    int
		d    time.Duration
		want float64
	}{{10, 2 * time.Second, 5}, {10, 0, 0}, {0, time.Second, 0}}
	for _, tc := range tests {
		if got := Rate(tc.n, tc.d); got != tc.want {
			t.Errorf("Rate(%d, %s) = %v, want %v", tc.n, tc.d, got, tc.want)
		}
	}
	if Ratio(1, 0) != 0 || Ratio(1, 4) != 0.25 {
		t.Errorf("Ratio: %v %v", Ratio(1, 0), Ratio(1, 4))
	}
}

func TestCurveCountsUpToEachStep(t *testing.T) {
	t0 := time.Unix(100, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	got := Curve(t0, []time.Time{at(1500), at(200), at(900)}, time.Second)
	want := [][2]float64{{0, 0}, {1, 2}, {2, 3}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if Curve(t0, nil, time.Second) != nil {
		t.Fatal("empty curve")
	}
}

func TestCDF(t *testing.T) {
	s := []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond, 4 * time.Millisecond}
	got := CDF(s, 3)
	want := [][2]float64{{1, 0}, {2, 0.5}, {4, 1}}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
