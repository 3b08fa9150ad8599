package store_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoPathVoidsOrDeletesInvoices reads every non-test Go file of the
// module (the SQL lives in them): an issued invoice is a legal
// document, corrected only by credit notes, so no statement deletes
// invoices, their lines or their ledger entries, and none sets an
// invoice's status to void (the status stays in the schema for invoices
// voided before).
func TestNoPathVoidsOrDeletesInvoices(t *testing.T) {
	banned := []*regexp.Regexp{
		regexp.MustCompile(`(?is)DELETE\s+FROM\s+(invoices|invoice_lines|ledger_entries)\b`),
		regexp.MustCompile(`(?is)UPDATE\s+invoices\s+SET[^;` + "`" + `]*'void'`),
		regexp.MustCompile(`(?is)UPDATE\s+invoices\s+SET[^;` + "`" + `]*voided_at\s*=`),
		regexp.MustCompile(`Status\s*=\s*billing\.StatusVoid|StatusVoid\)`),
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for _, re := range banned {
			if m := re.Find(b); m != nil {
				t.Errorf("%s voids or deletes invoices: %q", path, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d Go files read from %s", checked, root)
	}
}
