// Command hello is Jetplane's sample app: a tiny static HTTP server used by
// the examples, the process runtime and the end-to-end tests.
//
//	GET /hi/{name}  Hello World {name}!!
//	GET /version    the version baked in with -ldflags "-X main.version=1"
//	GET /healthz    200 ok
//	GET /readyz     200 ok, or 503 forever when the version is "broken"
//
// It listens on $POD_IP:$PORT (PORT defaults to 8080; an empty POD_IP means
// every interface, as in a Docker container) and exits cleanly on SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time.
var version = "dev"

func newHandler(version string) http.Handler {
	mux := http.NewServeMux()
	// The root answers too, as the web servers charts expect do (helm
	// create's test pod fetches it).
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "Hello World!")
	})
	mux.HandleFunc("GET /hi/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Hello World %s!!", r.PathValue("name"))
	})
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, version)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if version == "broken" {
			http.Error(w, "not ready: this version is broken", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s %s %s", r.RemoteAddr, r.Method, r.URL.RequestURI())
		mux.ServeHTTP(w, r)
	})
}

func listenAddr() string {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	return net.JoinHostPort(os.Getenv("POD_IP"), port)
}

func main() {
	log.SetOutput(os.Stdout)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := &http.Server{Addr: listenAddr(), Handler: newHandler(version), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("hello %s listening on %s", version, srv.Addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Printf("hello %s stopped", version)
}
