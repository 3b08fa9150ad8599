package main_test

import (
	"bytes"
	"os/exec"
	"regexp"
	"testing"
)

// `mercato bench` runs in the binary (which links no testing package, see
// TestNoTestingInTheBinary) and prints its table; the quickest benchmark
// stands for all.
func TestBenchCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(binary, "bench", "--engines", "sqlite", "--run", "^quotes over HTTP$")
	cmd.Env = environ()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mercato bench: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	table := regexp.MustCompile(`^BENCHMARK +ENGINE +N +LOAD +FIGURES\nquotes over HTTP +sqlite +[1-9][0-9]* +[0-9]+\.[0-9]{2}→[0-9]+\.[0-9]{2} +[0-9.e+]+ %-of-static, [0-9.e+]+ quotes/s, [0-9.e+]+ static-req/s\n$`)
	if !table.Match(stdout.Bytes()) {
		t.Fatalf("table:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr without -v: %s", stderr.String())
	}
}
