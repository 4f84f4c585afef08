package loadtest

import (
	"fmt"
	"io"
	"time"
)

// Config of one load test run.
type Config struct {
	Preset      string        `json:"preset"`
	Nodes       int           `json:"nodes"`       // hollow nodes, the local one included
	Deployments int           `json:"deployments"` // over which Pods are spread evenly
	Pods        int           `json:"pods"`
	APIRate     int           `json:"apiRatePerSecond"` // requests per second of the API phase
	APIDuration time.Duration `json:"apiDuration"`
	// CeilingMessages: how many messages each raw JetStream measure uses.
	CeilingMessages int `json:"ceilingMessages"`
	// Timeout bounds each phase that waits for the cluster.
	Timeout time.Duration `json:"timeout"`

	// DataDir holds the all-in-one's data (a fresh temporary directory when
	// empty). Ignored when NATSURL is set.
	DataDir string `json:"-"`
	// NATSURL and Kubeconfig drive a control plane that runs already: the
	// hollow nodes join it through NATS, requests go to the kubeconfig's
	// gateway. Memory figures are then the load generator's own.
	NATSURL    string `json:"natsURL,omitempty"`
	Kubeconfig string `json:"-"`
	// Credentials of the load generator on NATSURL: the operator's
	// ("jetplane credentials operator"), which measures the raw JetStream
	// ceiling beside the figures (a stream of its own) and runs the hollow
	// nodes, whose reports still go through the control plane.
	Credentials []byte `json:"-"`
	// NATSCA is the CA (PEM) of a NATS that serves TLS (a cluster's).
	NATSCA []byte `json:"-"`

	Progress io.Writer `json:"-"` // progress lines; nil: none
	// AtScale, when set, is called once every pod is Ready (a heap profile).
	AtScale func() error `json:"-"`
}

// Presets are the sizes a user picks by name.
var Presets = map[string]Config{
	// smoke: the test suite's tiny run.
	"smoke": {Nodes: 3, Deployments: 2, Pods: 20, APIRate: 50, APIDuration: time.Second, CeilingMessages: 500, Timeout: 2 * time.Minute},
	// small: under a minute on 2 cores.
	"small": {Nodes: 100, Deployments: 20, Pods: 2000, APIRate: 500, APIDuration: 5 * time.Second, CeilingMessages: 10000, Timeout: 5 * time.Minute},
	// large: the goal of 100,000 pods on 1,000 nodes.
	"large": {Nodes: 1000, Deployments: 1000, Pods: 100000, APIRate: 2000, APIDuration: 10 * time.Second, CeilingMessages: 100000, Timeout: 30 * time.Minute},
}

// Preset is the named preset's Config.
func Preset(name string) (Config, error) {
	c, ok := Presets[name]
	if !ok {
		return Config{}, fmt.Errorf("preset %q: want smoke, small or large", name)
	}
	c.Preset = name
	return c, nil
}

func (c *Config) validate() error {
	switch {
	case c.Nodes < 1:
		return fmt.Errorf("nodes %d: want at least 1", c.Nodes)
	case c.Deployments < 1 || c.Pods < c.Deployments:
		return fmt.Errorf("%d pods over %d deployments: want at least one pod per deployment", c.Pods, c.Deployments)
	case c.APIRate < 1 || c.APIDuration <= 0:
		return fmt.Errorf("API rate %d/s for %s: want both positive", c.APIRate, c.APIDuration)
	case c.CeilingMessages < 1:
		return fmt.Errorf("ceiling messages %d: want at least 1", c.CeilingMessages)
	case c.NATSURL != "" && c.Kubeconfig == "":
		return fmt.Errorf("a NATS URL needs the kubeconfig of its gateway")
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Minute
	}
	return nil
}

// replicas of deployment i: Pods spread evenly, the first ones one more.
func (c *Config) replicas(i int) int {
	n := c.Pods / c.Deployments
	if i < c.Pods%c.Deployments {
		n++
	}
	return n
}

// maxPodsPerNode leaves room over an even spread.
func (c *Config) maxPodsPerNode() int {
	return c.Pods/c.Nodes + c.Pods/(c.Nodes*10) + 10
}
