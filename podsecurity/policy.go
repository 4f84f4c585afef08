package podsecurity

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// Level is a Pod Security Standard.
type Level string

const (
	Privileged Level = "privileged"
	Baseline   Level = "baseline"
	Restricted Level = "restricted"
)

// The namespace labels that choose the policy.
const (
	labelPrefix         = "pod-security.kubernetes.io/"
	EnforceLabel        = labelPrefix + "enforce"
	EnforceVersionLabel = labelPrefix + "enforce-version"
	AuditLabel          = labelPrefix + "audit"
	AuditVersionLabel   = labelPrefix + "audit-version"
	WarnLabel           = labelPrefix + "warn"
	WarnVersionLabel    = labelPrefix + "warn-version"
)

// latestMinor is the newest policy version the checks know (v1.37): "latest"
// and any newer v1.x evaluate as it.
const latestMinor = 37

// strictness orders the levels.
func (l Level) strictness() int {
	switch l {
	case Baseline:
		return 1
	case Restricted:
		return 2
	}
	return 0
}

// Version is a policy version: latest, or v1.<Minor>.
type Version struct {
	Latest bool
	Minor  int
}

// Latest is the "latest" version.
var Latest = Version{Latest: true}

func (v Version) String() string {
	if v.Latest {
		return "latest"
	}
	return fmt.Sprintf("v1.%d", v.Minor)
}

// minor is the version the checks evaluate at.
func (v Version) minor() int {
	if v.Latest || v.Minor > latestMinor {
		return latestMinor
	}
	return v.Minor
}

// LevelVersion is one mode's policy, printed as "baseline:latest".
type LevelVersion struct {
	Level   Level
	Version Version
}

func (lv LevelVersion) String() string { return string(lv.Level) + ":" + lv.Version.String() }

// Policy is a namespace's policy in each mode.
type Policy struct {
	Enforce, Audit, Warn LevelVersion
}

// FullyPrivileged is a policy that checks nothing.
func (p Policy) FullyPrivileged() bool {
	return p.Enforce.Level == Privileged && p.Audit.Level == Privileged && p.Warn.Level == Privileged
}

// ParseLevel reads a level label; an invalid one is restricted, so that a
// typo in enforce fails closed, with the error kube-apiserver gives.
func ParseLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case Privileged, Baseline, Restricted:
		return l, nil
	}
	return Restricted, errors.New("must be one of privileged, baseline, restricted")
}

var versionPattern = regexp.MustCompile(`^v1\.([0-9]|[1-9][0-9]*)$`)

// ParseVersion reads a version label: "latest" or "v1.x"; an invalid one
// is latest.
func ParseVersion(s string) (Version, error) {
	if s == "latest" {
		return Latest, nil
	}
	m := versionPattern.FindStringSubmatch(s)
	if m == nil {
		return Latest, errors.New(`must be "latest" or "v1.x"`)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return Latest, fmt.Errorf(`must be "latest" or "v1.x": %w`, err)
	}
	return Version{Minor: n}, nil
}

// LabelError is an unreadable policy label.
type LabelError struct {
	Label, Value string
	Err          error
}

func (e *LabelError) Error() string {
	return fmt.Sprintf("metadata.labels[%s]: Invalid value: %q: %v", e.Label, e.Value, e.Err)
}

func (e *LabelError) Unwrap() error { return e.Err }

// PolicyOf is the policy a namespace's labels choose, as the plugin
// resolves them with kube-apiserver's default configuration (every mode
// privileged:latest unless labelled). A policy is always returned; an
// invalid enforce level fails closed (restricted), invalid audit and warn
// levels fail open (privileged). Without its own label, warn follows an
// enforce level stricter than it, so that workloads (which enforce never
// refuses) still hear of what their pods would be refused for.
func PolicyOf(labels map[string]string) (Policy, []error) {
	p := Policy{
		Enforce: LevelVersion{Privileged, Latest},
		Audit:   LevelVersion{Privileged, Latest},
		Warn:    LevelVersion{Privileged, Latest},
	}
	var errs []error
	check := func(label, value string, err error) {
		if err != nil {
			errs = append(errs, &LabelError{Label: label, Value: value, Err: err})
		}
	}
	var err error
	enforceSet := false
	if v, ok := labels[EnforceLabel]; ok {
		p.Enforce.Level, err = ParseLevel(v)
		enforceSet = err == nil
		check(EnforceLabel, v, err)
	}
	if v, ok := labels[EnforceVersionLabel]; ok {
		p.Enforce.Version, err = ParseVersion(v)
		check(EnforceVersionLabel, v, err)
	}
	if v, ok := labels[AuditLabel]; ok {
		if p.Audit.Level, err = ParseLevel(v); err != nil {
			p.Audit.Level = Privileged
		}
		check(AuditLabel, v, err)
	}
	if v, ok := labels[AuditVersionLabel]; ok {
		p.Audit.Version, err = ParseVersion(v)
		check(AuditVersionLabel, v, err)
	}
	_, warnSet := labels[WarnLabel]
	_, warnVersionSet := labels[WarnVersionLabel]
	if v, ok := labels[WarnLabel]; ok {
		if p.Warn.Level, err = ParseLevel(v); err != nil {
			p.Warn.Level = Privileged
		}
		check(WarnLabel, v, err)
	}
	if v, ok := labels[WarnVersionLabel]; ok {
		p.Warn.Version, err = ParseVersion(v)
		check(WarnVersionLabel, v, err)
	}
	if !warnSet && enforceSet && p.Enforce.Level.strictness() > p.Warn.Level.strictness() {
		p.Warn.Level = p.Enforce.Level
		if !warnVersionSet {
			p.Warn.Version = p.Enforce.Version
		}
	}
	return p, errs
}
