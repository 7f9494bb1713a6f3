// Command go_kstatus times sigs.k8s.io/cli-utils status.Compute over a JSON-lines corpus.
//
// It is the Go side of benchmarks/kstatus_compute.py: both read the same file, so the two
// figures are for the same objects on the same machine. Every line is decoded once, up front,
// the way client-go decodes objects (unstructured, integers as int64); only Compute is timed.
//
// After decoding it prints "ready"; then, for every line "run" on stdin, it times one pass over
// the corpus and prints {"wall": objects/s, "cpu": objects/s}: objects per second of wall-clock
// time and of the CPU time the process used (all threads, so the garbage collector's work on
// other cores counts too). The caller alternates these passes with its own, so both sides see
// the same machine load. With -statuses it instead prints "<status>\t<message>" per object (or
// "error\t<text>"), so the caller can check that both implementations agree object by object.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

func main() {
	statuses := flag.Bool("statuses", false, "print each object's status and message instead of timing")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: go_kstatus [-statuses] CORPUS.jsonl  (then 'run' lines on stdin)")
		os.Exit(2)
	}
	objects, err := readCorpus(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	if *statuses {
		printStatuses(objects)
		return
	}
	fmt.Println("ready")
	commands := bufio.NewScanner(os.Stdin)
	for commands.Scan() {
		if commands.Text() != "run" {
			fmt.Fprintf(os.Stderr, "error: unknown command %q\n", commands.Text())
			os.Exit(2)
		}
		start, startCPU := time.Now(), cpuTime()
		for _, u := range objects {
			_, _ = status.Compute(u)
		}
		wall := float64(len(objects)) / time.Since(start).Seconds()
		cpu := float64(len(objects)) / (cpuTime() - startCPU).Seconds()
		out, _ := json.Marshal(map[string]float64{"wall": wall, "cpu": cpu})
		fmt.Println(string(out))
	}
}

// cpuTime is the user and system time of the whole process so far.
func cpuTime() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		panic(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

func readCorpus(path string) ([]*unstructured.Unstructured, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	var objects []*unstructured.Unstructured
	for scanner.Scan() {
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(scanner.Bytes()); err != nil {
			return nil, fmt.Errorf("line %d: %w", len(objects)+1, err)
		}
		objects = append(objects, u)
	}
	return objects, scanner.Err()
}

func printStatuses(objects []*unstructured.Unstructured) {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for _, u := range objects {
		res, err := status.Compute(u)
		if err != nil {
			fmt.Fprintf(w, "error\t%s\n", err)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\n", res.Status, res.Message)
	}
}
