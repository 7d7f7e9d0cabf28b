// Command helm-render renders a Helm chart as `helm template` does, for tests on machines without helm: the same
// engine (Go's text/template with sprig's functions) and the parts of helm's engine the LiquidMetal chart uses.
//
// Of helm it implements:
//   - the data: .Values (the chart's values.yaml, then each -f file merged over it, maps key by key, a null removing
//     a key; numbers become float64 as helm's YAML-through-JSON reading makes them), .Release (Name, Namespace,
//     Service "Helm", IsInstall, IsUpgrade, Revision), .Chart (Chart.yaml's fields, capitalised), .Template (Name,
//     BasePath);
//   - the functions: sprig's TxtFuncMap less env and expandenv (helm removes them), and helm's own include, tpl,
//     required, toYaml, fromYaml, fromYamlArray, toJson, fromJson;
//   - the rendering: every file of templates/ is parsed into one set, files whose name starts with "_" only define
//     templates, NOTES.txt is rendered only with -notes, missing keys are empty (missingkey=zero, then "<no value>"
//     removed), and a file that renders to whitespace is left out.
//
// With -print-values it prints the merged values as JSON instead, for a test to check against values.schema.json as
// helm does before it renders. Not implemented: lookup, .Files, .Capabilities, .Subcharts, --set, and helm's ordering of output by kind (files come
// in name order). Each rendered file is printed after "---" and "# Source: <chart>/templates/<file>", as helm does.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"gopkg.in/yaml.v2"
)

// helm refuses an include nested deeper than this, to stop a template that includes itself.
const maxIncludeDepth = 1000

type chartMetadata struct {
	APIVersion  string   `yaml:"apiVersion"`
	Name        string   `yaml:"name"`
	Version     string   `yaml:"version"`
	AppVersion  string   `yaml:"appVersion"`
	Description string   `yaml:"description"`
	Type        string   `yaml:"type"`
	KubeVersion string   `yaml:"kubeVersion"`
	Home        string   `yaml:"home"`
	Keywords    []string `yaml:"keywords"`
}

type valueFiles []string

func (f *valueFiles) String() string     { return strings.Join(*f, ",") }
func (f *valueFiles) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var files valueFiles
	chartDir := flag.String("chart", "", "the chart's folder")
	name := flag.String("name", "release-name", "the release's name")
	namespace := flag.String("namespace", "default", "the release's namespace")
	notes := flag.Bool("notes", false, "render NOTES.txt instead of the manifests")
	printValues := flag.Bool("print-values", false, "print the merged values as JSON (what helm checks against values.schema.json) instead")
	flag.Var(&files, "f", "a values file merged over the chart's values (repeatable)")
	flag.Parse()
	if *chartDir == "" {
		fmt.Fprintln(os.Stderr, "helm-render: -chart DIR is required")
		os.Exit(2)
	}

	if *printValues {
		values, err := mergedValues(*chartDir, files)
		if err == nil {
			var data []byte
			data, err = json.MarshalIndent(values, "", "  ")
			os.Stdout.Write(append(data, '\n'))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "Error:", err)
			os.Exit(1)
		}
		return
	}

	out, err := render(*chartDir, files, *name, *namespace, *notes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(out)
}

func render(chartDir string, files []string, name, namespace string, notes bool) (string, error) {
	var chart chartMetadata
	if err := readYAML(filepath.Join(chartDir, "Chart.yaml"), &chart); err != nil {
		return "", err
	}

	values, err := mergedValues(chartDir, files)
	if err != nil {
		return "", err
	}

	root := template.New("gotpl").Option("missingkey=zero")
	root.Funcs(funcMap(root))
	templates, err := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	if err != nil {
		return "", err
	}
	sort.Strings(templates)
	basePath := chart.Name + "/templates"
	var names []string
	for _, path := range templates {
		text, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		templateName := basePath + "/" + filepath.Base(path)
		if _, err := root.New(templateName).Parse(string(text)); err != nil {
			return "", err
		}
		base := filepath.Base(path)
		if !strings.HasPrefix(base, "_") && (base == "NOTES.txt") == notes {
			names = append(names, templateName)
		}
	}

	release := map[string]interface{}{
		"Name": name, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1,
	}
	var out strings.Builder
	for _, templateName := range names {
		data := map[string]interface{}{
			"Values":   values,
			"Release":  release,
			"Chart":    &chart,
			"Template": map[string]interface{}{"Name": templateName, "BasePath": basePath},
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, templateName, data); err != nil {
			return "", err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(text) == "" {
			continue
		}
		if notes {
			out.WriteString(text)
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", templateName, text)
	}
	return out.String(), nil
}

// funcMap is sprig's functions as helm offers them, and helm's own; include and tpl work on root's set.
func funcMap(root *template.Template) template.FuncMap {
	functions := sprig.TxtFuncMap()
	delete(functions, "env")
	delete(functions, "expandenv")

	depth := map[string]int{}
	functions["include"] = func(name string, data interface{}) (string, error) {
		if depth[name] > maxIncludeDepth {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		depth[name]++
		defer func() { depth[name]-- }()
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	functions["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	functions["required"] = func(message string, value interface{}) (interface{}, error) {
		if value == nil {
			return nil, errors.New(message)
		}
		if text, ok := value.(string); ok && text == "" {
			return nil, errors.New(message)
		}
		return value, nil
	}
	functions["toYaml"] = toYAML
	functions["fromYaml"] = func(text string) map[string]interface{} {
		var value interface{}
		if err := yaml.Unmarshal([]byte(text), &value); err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		object, ok := jsonLike(value).(map[string]interface{})
		if !ok {
			return map[string]interface{}{"Error": "the YAML is not a mapping"}
		}
		return object
	}
	functions["fromYamlArray"] = func(text string) []interface{} {
		var value interface{}
		if err := yaml.Unmarshal([]byte(text), &value); err != nil {
			return []interface{}{err.Error()}
		}
		list, ok := jsonLike(value).([]interface{})
		if !ok {
			return []interface{}{"the YAML is not a sequence"}
		}
		return list
	}
	functions["toJson"] = func(value interface{}) string {
		data, err := json.Marshal(value)
		if err != nil {
			return ""
		}
		return string(data)
	}
	functions["fromJson"] = func(text string) map[string]interface{} {
		object := map[string]interface{}{}
		if err := json.Unmarshal([]byte(text), &object); err != nil {
			object["Error"] = err.Error()
		}
		return object
	}
	return functions
}

// toYAML is helm's toYaml: through JSON (so keys are sorted and JSON's types kept), without the last newline.
func toYAML(value interface{}) string {
	data, err := json.Marshal(value)
	if err != nil {
		return ""
	}
	var intermediate interface{}
	if err := yaml.Unmarshal(data, &intermediate); err != nil {
		return ""
	}
	out, err := yaml.Marshal(intermediate)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

// mergedValues is the chart's values.yaml with each file merged over it, in order.
func mergedValues(chartDir string, files []string) (map[string]interface{}, error) {
	values, err := readValues(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return nil, err
	}
	for _, file := range files {
		override, err := readValues(file)
		if err != nil {
			return nil, err
		}
		mergeValues(values, override)
	}
	return values, nil
}

func readYAML(path string, into interface{}) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func readValues(path string) (map[string]interface{}, error) {
	var raw interface{}
	if err := readYAML(path, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	values, ok := jsonLike(raw).(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("%s: values must be a mapping", path)
	}
	return values, nil
}

// jsonLike turns what the YAML reader gives into what helm's reader (YAML to JSON to Go) gives: string keys, float64
// numbers.
func jsonLike(value interface{}) interface{} {
	switch v := value.(type) {
	case map[interface{}]interface{}:
		object := make(map[string]interface{}, len(v))
		for key, item := range v {
			object[fmt.Sprint(key)] = jsonLike(item)
		}
		return object
	case []interface{}:
		for i, item := range v {
			v[i] = jsonLike(item)
		}
		return v
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case uint64:
		return float64(v)
	default:
		return v
	}
}

// mergeValues merges override into values as helm coalesces user values over a chart's: maps key by key, anything
// else replaced, a null removing the key.
func mergeValues(values, override map[string]interface{}) {
	for key, item := range override {
		if item == nil {
			delete(values, key)
			continue
		}
		inner, isMap := item.(map[string]interface{})
		existing, wasMap := values[key].(map[string]interface{})
		if isMap && wasMap {
			mergeValues(existing, inner)
			continue
		}
		values[key] = item
	}
}
