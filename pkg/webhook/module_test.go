package webhook_test

import (
	"os"
	"strings"
	"testing"
)

// The module is imported by vendors' programs: it must stay on the standard
// library and on an old go directive, so that adding it neither pulls other
// modules into a vendor's build nor raises the vendor's go line (`go vet`
// reports any standard library API newer than that line).
func TestModuleNeedsOnlyTheStandardLibrary(t *testing.T) {
	data, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var goLine string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "require", "toolchain", "replace":
			t.Errorf("go.mod has %q: the module must depend on the standard library only", line)
		case "go":
			goLine = line
		}
	}
	if goLine != "go 1.21" {
		t.Errorf("go.mod says %q, want go 1.21 (raise it only when a vendor-facing reason needs it)", goLine)
	}
}
