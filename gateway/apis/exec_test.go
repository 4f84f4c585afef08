package apis

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseExecOptions(t *testing.T) {
	cases := []struct {
		query string
		want  ExecOptions
		err   string
	}{
		{"command=sh&command=-c&command=true&stdout=true&stderr=true&container=c",
			ExecOptions{Container: "c", Command: []string{"sh", "-c", "true"}, Stdout: true, Stderr: true}, ""},
		{"command=sh&stdin=1&stdout=1&stderr=1&tty=true", ExecOptions{Command: []string{"sh"}, Stdin: true, Stdout: true, TTY: true}, ""},
		{"stdout=true", ExecOptions{}, "at least one command"},
		{"command=sh", ExecOptions{}, "at least 1 of stdin, stdout, stderr"},
		{"command=sh&stdout=yes", ExecOptions{}, `stdout: invalid value "yes"`},
	}
	for _, c := range cases {
		q, _ := url.ParseQuery(c.query)
		got, err := ParseExecOptions(q)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.query, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, %v; want %+v", c.query, got, err, c.want)
		}
	}
}
