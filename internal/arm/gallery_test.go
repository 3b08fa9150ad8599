package arm

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGallery measures the engine on a directory of public templates, such
// as a sample of Azure/azure-quickstart-templates kept outside the
// repository:
//
//	MERCATO_GALLERY_DIR=/tmp/gallery go test ./internal/arm -run TestGallery -v
//
// Every azuredeploy.json or main.json under the directory is evaluated the
// way the Azure connector does before deploying (Evaluate, no runtime
// state), with the values of the azuredeploy.parameters.json next to it
// (the gallery's GEN-* placeholders and Key Vault references replaced by
// made-up values) and made-up values for required parameters without a
// default. It prints one line per template: "pass", "refuse" (a
// *ValidationError: the connector fails the order), "defer" (any other
// evaluation error: the connector leaves the template to Azure) or "parse"
// (the template is not read), and the shares. With MERCATO_GALLERY_LINK
// set to a base URI (such as the gallery's raw GitHub address), each
// template is evaluated as deployed from <base><its path>, as the gallery's
// own tests deploy it, so deployment().properties.templateLink exists. It
// skips when MERCATO_GALLERY_DIR is unset and never fails: it measures.
func TestGallery(t *testing.T) {
	dir := os.Getenv("MERCATO_GALLERY_DIR")
	if dir == "" {
		t.Skip("MERCATO_GALLERY_DIR is unset")
	}
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (d.Name() == "azuredeploy.json" || d.Name() == "main.json") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	counts := map[string]int{}
	link := os.Getenv("MERCATO_GALLERY_LINK")
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		uri := ""
		if link != "" {
			uri = link + filepath.ToSlash(rel)
		}
		outcome, detail := galleryEvaluate(f, uri)
		counts[outcome]++
		t.Logf("%-6s %s %s", outcome, rel, detail)
	}
	n := len(files)
	if n == 0 {
		t.Fatalf("no azuredeploy.json or main.json under %s", dir)
	}
	share := func(k string) string { return fmt.Sprintf("%d (%.1f%%)", counts[k], 100*float64(counts[k])/float64(n)) }
	t.Logf("%d templates: pass %s, defer %s, refuse %s, parse %s", n, share("pass"), share("defer"), share("refuse"), share("parse"))
}

func galleryEvaluate(path, templateLink string) (outcome, detail string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "parse", err.Error()
	}
	tpl, err := ParseTemplate(data)
	if err != nil {
		return "parse", oneLine(err)
	}
	params := map[string]any{}
	if pdata, err := os.ReadFile(filepath.Join(filepath.Dir(path), "azuredeploy.parameters.json")); err == nil {
		if params, err = galleryParameters(pdata); err != nil {
			return "parse", "parameters file: " + oneLine(err)
		}
	}
	for _, p := range tpl.Parameters {
		if _, ok := params[p.Name]; !ok && !p.HasDefault && !p.Nullable {
			params[p.Name] = galleryValue(p, "")
		}
	}
	for name, v := range params {
		p, ok := tpl.Parameter(name)
		if !ok {
			delete(params, name) // Azure refuses unknown parameters; the gallery's files are sometimes stale
			continue
		}
		if s, ok := v.(string); ok && strings.HasPrefix(s, "GEN-") {
			params[name] = galleryValue(p, s)
		}
	}
	dep := Deployment{
		SubscriptionID: "00000000-0000-0000-0000-000000000001",
		TenantID:       "00000000-0000-0000-0000-0000000000aa",
		Location:       "westeurope",
		DeploymentName: "gallery",
		TemplateLink:   templateLink,
		Now:            time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Rand:           bytes.NewReader(bytes.Repeat([]byte{7}, 1<<16)),
	}
	switch tpl.Scope {
	case ScopeResourceGroup, "":
		dep.ResourceGroup = "rg-gallery"
	case ScopeManagementGroup:
		dep.ManagementGroup = "mg-gallery"
	}
	_, err = Evaluate(tpl, params, dep)
	var invalid *ValidationError
	switch {
	case err == nil:
		return "pass", ""
	case errors.As(err, &invalid):
		return "refuse", oneLine(err)
	default:
		return "defer", oneLine(err)
	}
}

// galleryParameters reads a parameters file; a Key Vault reference, which
// only Azure can read, becomes a made-up secret.
func galleryParameters(data []byte) (map[string]any, error) {
	root, err := decodeJSON(strictJSON(data))
	if err != nil {
		return nil, err
	}
	m, _ := root.(map[string]any)
	ps, _ := m["parameters"].(map[string]any)
	out := map[string]any{}
	for name, raw := range ps {
		p, _ := raw.(map[string]any)
		if v, ok := p["value"]; ok {
			out[name] = v
		} else if _, ok := p["reference"]; ok {
			out[name] = "GEN-PASSWORD"
		}
	}
	return out, nil
}

// galleryValue makes up a value for a parameter, like the one a buyer or
// the gallery's test harness would give.
func galleryValue(p *Parameter, placeholder string) any {
	if len(p.AllowedValues) > 0 {
		return p.AllowedValues[0]
	}
	switch p.Type {
	case "int":
		if p.MinValue != nil {
			return *p.MinValue
		}
		return int64(1)
	case "bool":
		return true
	case "array":
		return []any{}
	case "object", "secureobject":
		return map[string]any{}
	}
	s := "gallery1"
	switch {
	case strings.Contains(placeholder, "PASSWORD") || p.Type == "securestring":
		s = "Gallery-Pa55word!x"
	case strings.Contains(placeholder, "SSH"):
		s = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0gallery gallery@example"
	case strings.Contains(placeholder, "GUID"):
		s = "11111111-2222-3333-4444-555555555555"
	case strings.HasPrefix(placeholder, "GEN-UNIQUE"):
		// The gallery's harness makes GEN-UNIQUE 18 characters long and
		// GEN-UNIQUE-<n> n characters long; templates take substrings of it.
		n := 18
		if k, err := strconv.Atoi(strings.TrimPrefix(placeholder, "GEN-UNIQUE-")); err == nil && k > 0 {
			n = k
		}
		s = strings.Repeat("gallery1", n/8+1)[:n]
	}
	for p.MinLength != nil && int64(len(s)) < *p.MinLength {
		s += "x"
	}
	if p.MaxLength != nil && int64(len(s)) > *p.MaxLength {
		s = s[:*p.MaxLength]
	}
	return s
}

func oneLine(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
