// Command testtool is what the Docker runtime's tests run in containers
// (image jetplane/runtimetest, FROM scratch): one subcommand per behaviour
// a test needs of a container or of an exec'd command.
//
//	testtool [sleep]       block until SIGTERM, then exit 0
//	testtool ignore-term   block, ignoring SIGTERM
//	testtool exit N        exit with code N
//	testtool print N       write N bytes to stdout
//	testtool echo WORDS    write WORDS to stdout and "err: WORDS" to stderr
//	testtool env NAME      write $NAME
//	testtool alloc MIB     allocate and touch MIB MiB, then block
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		args = []string{"sleep"}
	}
	n := 0
	if len(args) > 1 {
		n, _ = strconv.Atoi(args[1])
	}
	switch args[0] {
	case "sleep":
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		fmt.Println("sleeping")
		<-term
		fmt.Println("terminated")
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ignoring SIGTERM")
		block()
	case "exit":
		os.Exit(n)
	case "print":
		os.Stdout.Write(bytes.Repeat([]byte("x"), n))
	case "echo":
		fmt.Println(strings.Join(args[1:], " "))
		fmt.Fprintln(os.Stderr, "err: "+strings.Join(args[1:], " "))
	case "id":
		fmt.Printf("uid=%d gid=%d\n", os.Getuid(), os.Getgid())
	case "env":
		fmt.Print(os.Getenv(args[1]))
	case "alloc":
		mem := make([][]byte, 0, n)
		for range n {
			b := make([]byte, 1<<20)
			for i := range b {
				b[i] = 1
			}
			mem = append(mem, b)
		}
		fmt.Println("allocated", len(mem), "MiB")
		block()
	default:
		fmt.Fprintln(os.Stderr, "unknown command", args[0])
		os.Exit(2)
	}
}

// block never returns (a bare select{} would be a deadlock to the runtime).
func block() {
	for {
		time.Sleep(time.Hour)
	}
}
