package rollout

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestFenceposts(t *testing.T) {
	pct, num := intstr.FromString, intstr.FromInt32
	tests := []struct {
		name           string
		replicas       int32
		strategy       appsv1.DeploymentStrategy
		surge, unavail int32
	}{
		{name: "defaults 25%/25% of 4", replicas: 4, surge: 1, unavail: 1},
		{name: "defaults of 3: surge rounds up, unavailable down", replicas: 3, surge: 1, unavail: 0},
		{name: "defaults of 10", replicas: 10, surge: 3, unavail: 2},
		{name: "defaults of 1", replicas: 1, surge: 1, unavail: 0},
		{name: "numbers", replicas: 4, strategy: rollingStrategy(num(1), num(0)), surge: 1, unavail: 0},
		{name: "percentages round surge up and unavailable down", replicas: 10,
			strategy: rollingStrategy(pct("15%"), pct("15%")), surge: 2, unavail: 1},
		{name: "both zero: one may be unavailable", replicas: 5,
			strategy: rollingStrategy(num(0), num(0)), surge: 0, unavail: 1},
		{name: "both percentages round to zero: one may be unavailable", replicas: 3,
			strategy: rollingStrategy(pct("0%"), pct("10%")), surge: 0, unavail: 1},
		{name: "unavailable beyond replicas is capped", replicas: 2,
			strategy: rollingStrategy(num(1), num(5)), surge: 1, unavail: 2},
		{name: "zero replicas", replicas: 0, surge: 0, unavail: 0},
		{name: "only surge given: unavailable defaults to 25%", replicas: 8,
			strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: ptr(num(2))}}, surge: 2, unavail: 2},
		{name: "recreate: none", replicas: 4, strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			surge: 0, unavail: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(tt.replicas, "jetplane/hello:1")
			d.Spec.Strategy = tt.strategy
			surge, unavail := fenceposts(d, tt.replicas)
			if surge != tt.surge || unavail != tt.unavail {
				t.Fatalf("surge %d unavailable %d, want %d %d", surge, unavail, tt.surge, tt.unavail)
			}
		})
	}
}

func rollingStrategy(surge, unavailable intstr.IntOrString) appsv1.DeploymentStrategy {
	return appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}}
}
