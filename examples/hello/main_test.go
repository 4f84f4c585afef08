package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHandler(t *testing.T) {
	cases := []struct {
		version, path string
		code          int
		body          string
	}{
		{"1", "/hi/x", 200, "Hello World x!!"},
		{"1", "/hi/jetplane", 200, "Hello World jetplane!!"},
		{"2", "/version", 200, "2"},
		{"1", "/healthz", 200, "ok"},
		{"1", "/readyz", 200, "ok"},
		{"broken", "/readyz", 503, "not ready: this version is broken\n"},
		{"broken", "/healthz", 200, "ok"},
		{"1", "/nope", 404, "404 page not found\n"},
	}
	for _, c := range cases {
		t.Run(c.version+c.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			newHandler(c.version).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != c.code || string(body) != c.body {
				t.Fatalf("GET %s = %d %q, want %d %q", c.path, rec.Code, body, c.code, c.body)
			}
		})
	}
}

func TestListenAddr(t *testing.T) {
	cases := []struct{ ip, port, want string }{
		{"", "", ":8080"},
		{"127.1.2.3", "", "127.1.2.3:8080"},
		{"127.1.2.3", "9000", "127.1.2.3:9000"},
	}
	for _, c := range cases {
		t.Setenv("POD_IP", c.ip)
		t.Setenv("PORT", c.port)
		if got := listenAddr(); got != c.want {
			t.Errorf("POD_IP=%q PORT=%q: %q, want %q", c.ip, c.port, got, c.want)
		}
	}
}
