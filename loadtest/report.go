package loadtest

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is one run's result; it is what the JSON file holds.
type Report struct {
	Config  Config    `json:"config"`
	Started time.Time `json:"started"`
	Machine Machine   `json:"machine"`
	Ceiling Ceiling   `json:"ceiling"`
	API     APIResult `json:"api"`
	Pods    PodResult `json:"pods"`
	Rolling Rollout   `json:"rollingUpdate"`
	Replay  Replay    `json:"replay"`
	Memory  Memory    `json:"memory"`
	// Ratios of each figure to its ceiling, by name (see Table).
	Ratios map[string]float64 `json:"ratios"`
	// SetupRetries: the load test's own requests retried after a 5xx.
	SetupRetries int64 `json:"setupRetries"`
}

// Machine says where the figures come from.
type Machine struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
}

func thisMachine() Machine {
	return Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
}

// APIResult: latencies measured by the client, from each request's due
// time (so a slow server does not hide its queue), at a fixed rate.
type APIResult struct {
	RatePerSecond float64      `json:"ratePerSecond"` // achieved
	Mutating      Latency      `json:"mutating"`      // creates and patches
	Read          Latency      `json:"read"`          // gets of one object
	ListAllPods   Latency      `json:"listAllPods"`   // a cluster-wide list of every pod
	Errors        int          `json:"errors"`
	FirstError    string       `json:"firstError,omitempty"`
	MutatingCDF   [][2]float64 `json:"mutatingCDF,omitempty"` // (ms, fraction)
	ReadCDF       [][2]float64 `json:"readCDF,omitempty"`
}

// PodResult: from the event log's own timestamps.
type PodResult struct {
	Pods                int          `json:"pods"`
	SchedulingPerSecond float64      `json:"schedulingPerSecond"` // pods bound / (first create → last bind)
	Startup             Latency      `json:"startup"`             // pod created → Ready
	AllReady            Duration     `json:"allReady"`            // first Deployment posted → last pod Ready
	ReadyPerSecond      float64      `json:"readyPerSecond"`
	Events              int          `json:"events"` // appended during the phase, every resource
	EventsPerPod        float64      `json:"eventsPerPod"`
	EventsPerSecond     float64      `json:"eventsPerSecond"`
	ReadyCurve          [][2]float64 `json:"readyCurve,omitempty"` // (seconds, pods Ready)
}

// Rollout: every Deployment's image changed at once.
type Rollout struct {
	Duration        Duration `json:"duration"` // first patch → last old pod gone with every new pod Ready
	PodsPerSecond   float64  `json:"podsReplacedPerSecond"`
	Events          int      `json:"events"`
	EventsPerSecond float64  `json:"eventsPerSecond"`
}

// Replay: a projection (the one engine every service runs) rebuilt.
type Replay struct {
	Events        uint64   `json:"events"`
	Full          Duration `json:"full"` // from sequence 1
	FullPerSecond float64  `json:"fullPerSecond"`
	FromSnapshot  Duration `json:"fromSnapshot"` // newest snapshot, then the tail
	SnapshotAt    uint64   `json:"snapshotAt"`
	SnapshotBytes int      `json:"snapshotBytes"`
}

// Memory of the process that ran the control plane and the hollow nodes
// (and the load generator), at full scale.
type Memory struct {
	RSSBytes       uint64  `json:"rssBytes"`
	PeakRSSBytes   uint64  `json:"peakRSSBytes"`
	HeapInuseBytes uint64  `json:"heapInuseBytes"`
	StreamBytes    uint64  `json:"streamBytes"`
	StreamEvents   uint64  `json:"streamEvents"`
	BytesPerEvent  float64 `json:"bytesPerEvent"`
	Note           string  `json:"note,omitempty"`
}

// Duration marshals as seconds.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%.3f", time.Duration(d).Seconds())), nil
}

func (d Duration) String() string { return time.Duration(d).Round(time.Millisecond).String() }

func (r *Report) computeRatios() {
	c := r.Ceiling
	r.Ratios = map[string]float64{
		"apiMutatingP99/syncCASP99": Ratio(r.API.Mutating.P99, c.SyncCASLatency.P99),
		"scheduling/syncCAS":        Ratio(r.Pods.SchedulingPerSecond, c.SyncCASPerSecond),
		"podPhaseEvents/async":      Ratio(r.Pods.EventsPerSecond, c.AsyncPerSecond),
		"rollingUpdateEvents/async": Ratio(r.Rolling.EventsPerSecond, c.AsyncPerSecond),
		"replay/rawReplay":          Ratio(r.Replay.FullPerSecond, c.ReplayPerSecond),
	}
}

// Table writes the report as a plain table: figure, value, ceiling, ratio.
func (r *Report) Table(w io.Writer) {
	c := r.Ceiling
	fmt.Fprintf(w, "jetplane loadtest %s: %d hollow nodes, %d deployments, %d pods; %d CPUs, %s\n\n",
		r.Config.Preset, r.Config.Nodes, r.Config.Deployments, r.Config.Pods, r.Machine.CPUs, r.Machine.GoVersion)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name, value, ceiling string, ratio float64) {
		rs := ""
		if ratio != 0 {
			rs = fmt.Sprintf("%.3g×", ratio)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", name, value, ceiling, rs)
	}
	fmt.Fprintln(tw, "figure\tvalue\tceiling (raw JetStream)\tratio\t")
	fmt.Fprintln(tw, strings.Repeat("-", 30)+"\t"+strings.Repeat("-", 22)+"\t"+strings.Repeat("-", 26)+"\t-----\t")
	row("raw sync CAS appends/s", f0(c.SyncCASPerSecond), "", 0)
	row("raw async appends/s", f0(c.AsyncPerSecond), "", 0)
	row("raw ordered replay events/s", f0(c.ReplayPerSecond), "", 0)
	row(fmt.Sprintf("API mutating p50/p99/max ms @%.0f/s", r.API.RatePerSecond), lat(r.API.Mutating),
		fmt.Sprintf("sync CAS p99 %.2f ms", c.SyncCASLatency.P99), r.Ratios["apiMutatingP99/syncCASP99"])
	row("API read p50/p99/max ms", lat(r.API.Read), "", 0)
	row(fmt.Sprintf("list all %d pods p50/p99/max ms", r.Pods.Pods), lat(r.API.ListAllPods), "", 0)
	row("API errors", fmt.Sprint(r.API.Errors), "", 0)
	row("scheduling pods/s", f0(r.Pods.SchedulingPerSecond), f0(c.SyncCASPerSecond)+" CAS/s", r.Ratios["scheduling/syncCAS"])
	row("pod startup p50/p99/max ms", lat(r.Pods.Startup), "", 0)
	row("all pods Ready", r.Pods.AllReady.String(), "", 0)
	row("pods Ready/s end to end", f0(r.Pods.ReadyPerSecond), "", 0)
	row("events/pod; events/s in pod phase", fmt.Sprintf("%.1f; %s", r.Pods.EventsPerPod, f0(r.Pods.EventsPerSecond)),
		f0(c.AsyncPerSecond)+" async/s", r.Ratios["podPhaseEvents/async"])
	row("rolling update of all pods", r.Rolling.Duration.String(), "", 0)
	row("rolling update events/s", f0(r.Rolling.EventsPerSecond), f0(c.AsyncPerSecond)+" async/s", r.Ratios["rollingUpdateEvents/async"])
	row(fmt.Sprintf("replay %d events from seq 1", r.Replay.Events), fmt.Sprintf("%s (%s/s)", r.Replay.Full, f0(r.Replay.FullPerSecond)),
		f0(c.ReplayPerSecond)+"/s", r.Ratios["replay/rawReplay"])
	row(fmt.Sprintf("replay from snapshot at %d", r.Replay.SnapshotAt), r.Replay.FromSnapshot.String(), "", 0)
	row("RSS / peak RSS / heap in use", fmt.Sprintf("%s / %s / %s", mib(r.Memory.RSSBytes), mib(r.Memory.PeakRSSBytes), mib(r.Memory.HeapInuseBytes)), "", 0)
	row("bytes per stored event", fmt.Sprintf("%.0f (%d events)", r.Memory.BytesPerEvent, r.Memory.StreamEvents),
		fmt.Sprintf("%d B message", c.MessageBytes), 0)
	tw.Flush()
	if r.API.FirstError != "" {
		fmt.Fprintf(w, "\nfirst API error: %s\n", r.API.FirstError)
	}
	if r.SetupRetries > 0 {
		fmt.Fprintf(w, "\nset-up requests retried after a server error or timeout: %d\n", r.SetupRetries)
	}
	if r.Memory.Note != "" {
		fmt.Fprintf(w, "\n%s\n", r.Memory.Note)
	}
}

func f0(v float64) string { return fmt.Sprintf("%.0f", v) }
func lat(l Latency) string {
	return fmt.Sprintf("%.2f / %.2f / %.2f", l.P50, l.P99, l.Max)
}
func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
