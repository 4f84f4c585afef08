package apis

import (
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// ExecOptions are a pods/exec request's PodExecOptions, from its query.
type ExecOptions struct {
	Container                  string
	Command                    []string
	Stdin, Stdout, Stderr, TTY bool
}

// ParseExecOptions reads PodExecOptions as kube-apiserver does: booleans
// stdin, stdout, stderr and tty (a terminal has no separate stderr), a
// command of at least one word, at least one stream.
func ParseExecOptions(q url.Values) (ExecOptions, error) {
	o, err := ParseAttachOptions(q)
	if err != nil {
		return ExecOptions{}, err
	}
	if o.Command = q["command"]; len(o.Command) == 0 {
		return ExecOptions{}, apierrors.NewBadRequest("you must specify at least one command for the container")
	}
	return o, nil
}

// ParseAttachOptions reads PodAttachOptions: ParseExecOptions without a
// command.
func ParseAttachOptions(q url.Values) (ExecOptions, error) {
	o := ExecOptions{Container: q.Get("container")}
	for _, f := range []struct {
		name string
		to   *bool
	}{{"stdin", &o.Stdin}, {"stdout", &o.Stdout}, {"stderr", &o.Stderr}, {"tty", &o.TTY}} {
		v, err := boolParam(q, f.name)
		if err != nil {
			return ExecOptions{}, err
		}
		*f.to = v
	}
	if o.TTY {
		o.Stderr = false
	}
	if !o.Stdin && !o.Stdout && !o.Stderr {
		return ExecOptions{}, apierrors.NewBadRequest("you must specify at least 1 of stdin, stdout, stderr")
	}
	return o, nil
}
