// Command go_kstatus times sigs.k8s.io/cli-utils status.Compute over a JSON-lines corpus.
//
// It is the Go side of benchmarks/kstatus_compute.py: both read the same file, so the two
// figures are for the same objects on the same machine. Every line is decoded once, up front,
// the way client-go decodes objects (unstructured, integers as int64); only Compute is timed.
//
// Output: one JSON object on stdout, {"objects": n, "wall": [objects/s, ...], "cpu": [...]}: per
// run, objects per second of wall-clock time and of the CPU time the process used (all threads,
// so the garbage collector's work on other cores counts too). With -statuses
// it instead prints "<status>\t<message>" per object (or "error\t<text>"), so the caller can
// check that both implementations agree object by object.
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
	runs := flag.Int("runs", 5, "timed passes over the corpus")
	statuses := flag.Bool("statuses", false, "print each object's status and message instead of timing")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: go_kstatus [-runs N] [-statuses] CORPUS.jsonl")
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
	walls := make([]float64, 0, *runs)
	cpus := make([]float64, 0, *runs)
	for i := 0; i < *runs; i++ {
		start, startCPU := time.Now(), cpuTime()
		for _, u := range objects {
			_, _ = status.Compute(u)
		}
		walls = append(walls, float64(len(objects))/time.Since(start).Seconds())
		cpus = append(cpus, float64(len(objects))/(cpuTime()-startCPU).Seconds())
	}
	out, _ := json.Marshal(map[string]any{"objects": len(objects), "wall": walls, "cpu": cpus})
	fmt.Println(string(out))
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
