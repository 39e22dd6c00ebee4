// bundle-validate checks an OLM bundle directory with operator-framework's own validation
// library (github.com/operator-framework/api), the one operator-sdk's `bundle validate` and the
// OperatorHub pipelines use:
//
//	bundle-validate [--k8s-version 1.34] BUNDLE_DIR
//
// It runs the default bundle validators (CSV, CRD, bundle), the OperatorHub suite (v2, with the
// standard capabilities and categories that replaced the deprecated v1 checks), the good
// practices, the object checks (PDBs, SCCs) and the deprecated/removed API check for the given
// Kubernetes version. Every result is printed; the exit status is 1 on any error, 2 when the
// bundle cannot be loaded at all, and 0 otherwise (warnings do not fail).
//
// Before that, the CSV is decoded strictly into the library's own ClusterServiceVersion type:
// the validators see it through a lenient conversion in which a misspelt field (base64Data for
// base64data, say) silently disappears, and OLM would ignore it the same way.
//
// The multiple-architectures validator is left out on purpose: it inspects the images the CSV
// names in their registries, and nothing here can be pulled.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	"github.com/operator-framework/api/pkg/validation"
	"github.com/operator-framework/api/pkg/validation/errors"
	interfaces "github.com/operator-framework/api/pkg/validation/interfaces"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

func main() {
	k8sVersion := flag.String("k8s-version", "",
		"Kubernetes version the deprecated-API and OperatorHub checks judge against, e.g. 1.34")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [--k8s-version X.Y] BUNDLE_DIR\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	dir := flag.Arg(0)
	fmt.Printf("operator-framework/api %s\n", libraryVersion())

	bundle, err := manifests.GetBundleFromDir(dir)
	if err != nil || bundle == nil {
		fmt.Fprintf(os.Stderr, "ERROR: cannot load the bundle in %s: %v\n", dir, err)
		os.Exit(2)
	}
	fmt.Printf("bundle %s: package %q, channels %v, default channel %q, %d CRD(s), %d other object(s)\n",
		bundle.Name, bundle.Package, bundle.Channels, bundle.DefaultChannel,
		len(bundle.V1CRDs)+len(bundle.V1beta1CRDs), len(bundle.Objects))

	suites := []struct {
		name       string
		validators interfaces.Validators
	}{
		{"default (csv, crd, bundle)", validation.DefaultBundleValidators},
		{"operatorhub/v2", interfaces.Validators{validation.OperatorHubV2Validator}},
		{"standardcapabilities", interfaces.Validators{validation.StandardCapabilitiesValidator}},
		{"standardcategories", interfaces.Validators{validation.StandardCategoriesValidator}},
		{"good-practices", interfaces.Validators{validation.GoodPracticesValidator}},
		{"object", interfaces.Validators{validation.ObjectValidator}},
		{"alpha-deprecated-apis", interfaces.Validators{validation.AlphaDeprecatedAPIsValidator}},
	}

	objects := bundle.ObjectsToValidate()
	if *k8sVersion != "" {
		// The optional key the OperatorHub and deprecated-API validators read the version from.
		objects = append(objects, map[string]string{"k8s-version": *k8sVersion})
	}

	totalErrors, totalWarnings := strictCSV(dir), 0
	fmt.Printf("suite strict-csv: %d error(s), 0 warning(s)\n", totalErrors)
	for _, suite := range suites {
		nErrors, nWarnings := 0, 0
		for _, result := range suite.validators.Validate(objects...) {
			nErrors += report("ERROR", suite.name, result.Name, result.Errors)
			nWarnings += report("WARN", suite.name, result.Name, result.Warnings)
		}
		fmt.Printf("suite %s: %d error(s), %d warning(s)\n", suite.name, nErrors, nWarnings)
		totalErrors += nErrors
		totalWarnings += nWarnings
	}
	fmt.Printf("bundle-validate: %d error(s), %d warning(s)\n", totalErrors, totalWarnings)
	if totalErrors > 0 {
		os.Exit(1)
	}
}

// strictCSV decodes every ClusterServiceVersion in DIR/manifests with unknown and duplicate
// fields refused, prints each such field, and returns how many it found.
func strictCSV(dir string) int {
	paths, _ := filepath.Glob(filepath.Join(dir, "manifests", "*.yaml"))
	failed := 0
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Printf("ERROR [strict-csv] %s: %v\n", path, err)
			failed++
			continue
		}
		var meta struct {
			Kind string `json:"kind"`
		}
		if yaml.Unmarshal(data, &meta) != nil || meta.Kind != v1alpha1.ClusterServiceVersionKind {
			continue
		}
		// As the API machinery decodes: keys must match the json tags exactly, case included
		// (encoding/json alone would take base64Data for base64data).
		var csv v1alpha1.ClusterServiceVersion
		asJSON, err := yaml.YAMLToJSONStrict(data)
		if err != nil {
			fmt.Printf("ERROR [strict-csv] %s: %v\n", filepath.Base(path), err)
			failed++
			continue
		}
		strictErrs, err := kjson.UnmarshalStrict(asJSON, &csv, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
		if err != nil {
			strictErrs = append(strictErrs, err)
		}
		for _, e := range strictErrs {
			fmt.Printf("ERROR [strict-csv] %s: %v\n", filepath.Base(path), e)
		}
		failed += len(strictErrs)
	}
	return failed
}

func report(level, suite, name string, found []errors.Error) int {
	for _, e := range found {
		fmt.Printf("%s [%s] %s: %s\n", level, suite, name, e.Error())
	}
	return len(found)
}

// libraryVersion is the validation library's version as built in, so the output says which
// rules judged the bundle.
func libraryVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/operator-framework/api" {
				return dep.Version
			}
		}
	}
	return "(unknown)"
}
