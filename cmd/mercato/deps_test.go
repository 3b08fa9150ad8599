package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The production binary must not link the testing package (its flags, its
// runtime hooks): `mercato bench` times the benchmarks with internal/bench's
// own runner, and the go test wrappers live in _test.go files.
func TestNoTestingInTheBinary(t *testing.T) {
	goCmd, err := exec.LookPath("go") // go test puts $GOROOT/bin first in PATH
	if err != nil {
		t.Fatalf("the go command is not in PATH: %v", err)
	}
	out, err := exec.Command(goCmd, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed only %d packages: %s", len(deps), out)
	}
	for _, d := range deps {
		if d == "testing" || strings.HasPrefix(d, "testing/") {
			// Which of our packages imports it?
			who, _ := exec.Command(goCmd, "list", "-deps", "-f", `{{.ImportPath}}: {{join .Imports " "}}`, ".").Output()
			var importers []string
			for _, line := range strings.Split(string(who), "\n") {
				if pkg, imports, ok := strings.Cut(line, ": "); ok && strings.Contains(" "+imports+" ", " "+d+" ") {
					importers = append(importers, pkg)
				}
			}
			t.Errorf("./cmd/mercato depends on %s, imported by %v", d, importers)
		}
	}
}
