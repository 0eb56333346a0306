package ferry

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// samFunction is what the tests read of a function in template.yaml.
type samFunction struct {
	Type     string `yaml:"Type"`
	Metadata struct {
		BuildMethod string `yaml:"BuildMethod"`
	} `yaml:"Metadata"`
	Properties struct {
		CodeUri string `yaml:"CodeUri"`
	} `yaml:"Properties"`
}

// functions returns the template's Lambda functions by logical id.
func functions(t *testing.T) map[string]samFunction {
	t.Helper()
	var tpl struct {
		Resources map[string]samFunction `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(Template, &tpl); err != nil {
		t.Fatal(err)
	}
	out := map[string]samFunction{}
	for id, r := range tpl.Resources {
		if r.Type == "AWS::Serverless::Function" {
			out[id] = r
		}
	}
	return out
}

// TestTemplateMatchesTheCode checks that the template substitutes every placeholder
// of the state machine definition and that every function builds through SAM's
// makefile workflow from the repository's root.
func TestTemplateMatchesTheCode(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal(Template, &root); err != nil {
		t.Fatal(err)
	}
	resources := field(root.Content[0], "Resources")
	subs := field(field(field(resources, "PromotionStateMachine"), "Properties"), "DefinitionSubstitutions")
	var substituted []string
	for i := 0; i < len(subs.Content); i += 2 {
		substituted = append(substituted, subs.Content[i].Value)
	}
	asl, err := os.ReadFile("statemachine/promotion.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(string(asl), -1) {
		if !slices.Contains(substituted, m[1]) {
			t.Errorf("the definition uses ${%s}, which the template does not substitute", m[1])
		}
	}
	for id, f := range functions(t) {
		if f.Properties.CodeUri != "." || f.Metadata.BuildMethod != "makefile" {
			t.Errorf("%s: CodeUri %q, BuildMethod %q; want . and makefile", id, f.Properties.CodeUri, f.Metadata.BuildMethod)
		}
	}
}

// TestPageRoutes checks that API Gateway sends every path the page's files
// are served at (site.New) to the API function without sign-in: / for
// index.html, /{file} for other documents, /assets/{proxy+} for the versioned
// assets.
func TestPageRoutes(t *testing.T) {
	var tpl struct {
		Resources struct {
			ApiFunction struct {
				Properties struct {
					Events map[string]struct {
						Type       string `yaml:"Type"`
						Properties struct {
							Method string `yaml:"Method"`
							Path   string `yaml:"Path"`
							Auth   struct {
								Authorizer string `yaml:"Authorizer"`
							} `yaml:"Auth"`
						} `yaml:"Properties"`
					} `yaml:"Events"`
				} `yaml:"Properties"`
			} `yaml:"ApiFunction"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(Template, &tpl); err != nil {
		t.Fatal(err)
	}
	open := map[string]bool{}
	for _, e := range tpl.Resources.ApiFunction.Properties.Events {
		if e.Type == "HttpApi" && e.Properties.Method == "GET" && e.Properties.Auth.Authorizer == "NONE" {
			open[e.Properties.Path] = true
		}
	}
	for _, path := range []string{"/", "/{file}", "/assets/{proxy+}"} {
		if !open[path] {
			t.Errorf("no GET %s route without an authorizer to the API function; routes: %v", path, open)
		}
	}
}

// TestSAMMakefileWorkflow builds every function of template.yaml the way sam
// build's makefile workflow does: in a copy of the source (what a fresh clone
// holds), make build-<LogicalId> with ARTIFACTS_DIR set, expecting
// $(ARTIFACTS_DIR)/bootstrap. Each must be a static, stripped arm64 Linux
// executable of its functions/ package built with -tags lambda.norpc, and
// together they must be every package in functions/.
func TestSAMMakefileWorkflow(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not installed: sam build's makefile workflow needs it (apt-get install make)")
	}
	src := cloneLike(t)
	dirs, err := os.ReadDir("functions")
	if err != nil {
		t.Fatal(err)
	}
	var want, built []string
	for _, d := range dirs {
		want = append(want, "github.com/ferrydev/ferry/functions/"+d.Name())
	}
	for id := range functions(t) {
		artifacts := filepath.Join(t.TempDir(), id)
		cmd := exec.Command("make", "-s", "build-"+id, "ARTIFACTS_DIR="+artifacts)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("make build-%s: %v\n%s", id, err, out)
			continue
		}
		bootstrap := filepath.Join(artifacts, "bootstrap")
		path, problems := checkBootstrap(bootstrap)
		for _, p := range problems {
			t.Errorf("%s: %s", id, p)
		}
		built = append(built, path)
	}
	slices.Sort(want)
	slices.Sort(built)
	if !slices.Equal(built, want) {
		t.Errorf("the template's functions build %v, want every package in functions/: %v", built, want)
	}
}

// checkBootstrap returns the main package a Lambda bootstrap was built from and
// what is wrong with it for provided.al2023 on arm64.
func checkBootstrap(path string) (string, []string) {
	var problems []string
	f, err := elf.Open(path)
	if err != nil {
		return "", []string{"bootstrap: " + err.Error()}
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 || f.Type != elf.ET_EXEC {
		problems = append(problems, "not an arm64 executable: "+f.Machine.String()+" "+f.Type.String())
	}
	if f.Section(".symtab") != nil {
		problems = append(problems, "not stripped: it has a symbol table")
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			problems = append(problems, "not static: it names an interpreter")
		}
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return "", append(problems, "no Go build information: "+err.Error())
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["-tags"] != "lambda.norpc" {
		problems = append(problems, "built with tags "+settings["-tags"]+", want lambda.norpc")
	}
	if settings["GOOS"] != "linux" || settings["GOARCH"] != "arm64" || settings["CGO_ENABLED"] != "0" {
		problems = append(problems, "built for "+settings["GOOS"]+"/"+settings["GOARCH"]+" CGO_ENABLED="+settings["CGO_ENABLED"])
	}
	return info.Path, problems
}

// cloneLike copies the files a clone of the repository holds (tracked, and new
// ones not ignored) into a temporary directory, as sam build copies the source
// before running make.
func cloneLike(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("listing the repository's files (git ls-files): %v", err)
	}
	dst := t.TempDir()
	for _, name := range bytes.Split(bytes.TrimRight(out, "\x00"), []byte{0}) {
		rel := string(name)
		info, err := os.Lstat(rel)
		if os.IsNotExist(err) {
			continue // deleted, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		if !info.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(rel)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, rel), data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestCfnLint runs cfn-lint (with the SAM translator it ships) on template.yaml:
// any finding, error or warning, fails.
func TestCfnLint(t *testing.T) {
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("cfn-lint is not installed: pip install cfn-lint (it brings aws-sam-translator); the template is checked with it")
	}
	out, err := exec.Command("cfn-lint", "--", "template.yaml").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("cfn-lint template.yaml: %v\n%s", err, out)
	}
}

func field(n *yaml.Node, key string) *yaml.Node {
	for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
