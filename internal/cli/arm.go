package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mercato-market/mercato/internal/arm"
)

const armUsage = `usage:
  mercato arm eval TEMPLATE [--parameters FILE] --subscription ID --resource-group NAME --location LOC
                   [--deployment-name NAME] [--tenant ID] [--template-uri URI] [--state FILE] [--strict]
      evaluate a template and print {"resources":[...],"outputs":{...}}: the resources in
      deployment order with their full ids, and the outputs. Values that need runtime
      state (reference, list*) stay as expression text unless --state supplies it
      ({"<resource id>":{"resource":{...},"lists":{"listKeys":{...}}}}); --strict fails instead.
  mercato arm validate TEMPLATE [--parameters FILE]
      check parameter values against the template and list every violation.
  mercato arm form TEMPLATE
      print the buyer form (JSON Schema of the template's parameters).
`

// runARM implements "mercato arm": the ARM template engine's command line.
func runARM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, armUsage)
		if len(args) == 0 {
			return usageError{errors.New("missing subcommand: eval, validate or form")}
		}
		return nil
	}
	switch args[0] {
	case "eval":
		return runARMEval(args[1:], stdout, stderr)
	case "validate":
		return runARMValidate(args[1:], stdout, stderr)
	case "form":
		return runARMForm(args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, armUsage)
	return usageError{fmt.Errorf("unknown subcommand %q", args[0])}
}

func runARMEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("arm eval", stderr)
	paramsFile := fs.String("parameters", "", "parameter file ({\"parameters\":{\"p\":{\"value\":...}}})")
	sub := fs.String("subscription", "", "subscription id")
	rg := fs.String("resource-group", "", "resource group name (empty for subscription-scope templates)")
	loc := fs.String("location", "", "resource group (or deployment) location")
	name := fs.String("deployment-name", "mercato", "deployment name")
	tenant := fs.String("tenant", "", "tenant id")
	uri := fs.String("template-uri", "", "URI the template is deployed from (deployment().properties.templateLink.uri)")
	stateFile := fs.String("state", "", "runtime state of existing resources, by resource id")
	strict := fs.Bool("strict", false, "fail on values that need runtime state instead of keeping their expression text")
	tplPath, err := parseARMArgs(fs, args)
	if err != nil {
		return err
	}
	if *sub == "" || *loc == "" {
		return usageError{errors.New("--subscription and --location are required")}
	}
	tpl, err := readTemplate(tplPath)
	if err != nil {
		return err
	}
	params, err := readParameters(*paramsFile)
	if err != nil {
		return err
	}
	dep := arm.Deployment{
		SubscriptionID: *sub,
		ResourceGroup:  *rg,
		Location:       *loc,
		DeploymentName: *name,
		TenantID:       *tenant,
		TemplateLink:   *uri,
		Strict:         *strict,
	}
	if *stateFile != "" {
		data, err := os.ReadFile(*stateFile)
		if err != nil {
			return fmt.Errorf("reading the state: %w", err)
		}
		if err := json.Unmarshal(data, &dep.State); err != nil {
			return fmt.Errorf("%s: %w", *stateFile, err)
		}
	}
	res, err := arm.Evaluate(tpl, params, dep)
	if err != nil {
		return fmt.Errorf("%s: %w", tplPath, err)
	}
	return writeJSON(stdout, res)
}

func runARMValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("arm validate", stderr)
	paramsFile := fs.String("parameters", "", "parameter file")
	tplPath, err := parseARMArgs(fs, args)
	if err != nil {
		return err
	}
	tpl, err := readTemplate(tplPath)
	if err != nil {
		return err
	}
	params, err := readParameters(*paramsFile)
	if err != nil {
		return err
	}
	if err := tpl.ValidateParameters(params); err != nil {
		var ve *arm.ValidationError
		if errors.As(err, &ve) {
			for _, v := range ve.Violations {
				fmt.Fprintln(stdout, v.Error())
			}
		}
		return err
	}
	fmt.Fprintln(stdout, "parameters are valid")
	return nil
}

func runARMForm(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("arm form", stderr)
	tplPath, err := parseARMArgs(fs, args)
	if err != nil {
		return err
	}
	tpl, err := readTemplate(tplPath)
	if err != nil {
		return err
	}
	return writeJSON(stdout, tpl.Form())
}

// parseARMArgs parses flags given before or after the one positional
// argument, the template path (Go's flag package stops at the first
// positional argument).
func parseARMArgs(fs *flag.FlagSet, args []string) (string, error) {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // parseFlags reports it
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	if err := parseFlags(fs, flags); err != nil {
		return "", err
	}
	if len(positional) != 1 {
		return "", usageError{fmt.Errorf("expected one template file, got %d arguments", len(positional))}
	}
	return positional[0], nil
}

func readTemplate(path string) (*arm.Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the template: %w", err)
	}
	tpl, err := arm.ParseTemplate(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tpl, nil
}

func readParameters(path string) (map[string]any, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the parameters: %w", err)
	}
	params, err := arm.ParseParameters(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return params, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
