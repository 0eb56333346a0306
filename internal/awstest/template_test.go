package awstest

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	ferry "github.com/ferrydev/ferry"
)

// Local stand-ins for the account and region the template's pseudo parameters name.
const (
	region  = "us-east-1"
	account = "123456789012"
)

// template is template.yaml as far as the harness reads it: the functions, their
// environment and settings, and the state machine's definition substitutions.
// Values written with intrinsic functions are resolved against stand-ins.
type template struct {
	root       *yaml.Node
	params     map[string]string // parameter values: the test's, else the defaults
	conditions map[string]*yaml.Node
	// refs holds what !Ref and !GetAtt of a resource give locally, by logical id
	// ("Table") or id.attribute ("PlanFunction.Arn").
	refs map[string]string
}

// function is one AWS::Serverless::Function of the template.
type function struct {
	LogicalID string
	// Name is the directory under functions/ that builds it: the logical id
	// without "Function", lower case (PlanFunction: plan).
	Name string
	// Env is Globals' environment with the function's own over it, resolved.
	Env map[string]string
	// Timeout and Memory are the function's settings, else Globals'.
	Timeout, Memory int
	LogFormat       string
}

// errNoValue is what AWS::NoValue resolves to: the property, or the variable,
// is left out.
var errNoValue = errors.New("AWS::NoValue")

// readTemplate parses the embedded template.yaml with the given parameter values.
func readTemplate(t *testing.T, params, refs map[string]string) *template {
	t.Helper()
	return parseTemplate(t, ferry.Template, params, refs)
}

// parseTemplate parses a template with the given parameter values.
func parseTemplate(t *testing.T, data []byte, params, refs map[string]string) *template {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parsing template.yaml: %v", err)
	}
	tpl := &template{root: doc.Content[0], params: map[string]string{}, conditions: map[string]*yaml.Node{}, refs: refs}
	for name, p := range mapping(get(tpl.root, "Parameters")) {
		if d := get(p, "Default"); d != nil {
			tpl.params[name] = d.Value
		}
	}
	for k, v := range params {
		tpl.params[k] = v
	}
	tpl.conditions = mapping(get(tpl.root, "Conditions"))
	return tpl
}

// functions returns the template's functions by Name.
func (tpl *template) functions(t *testing.T) map[string]*function {
	t.Helper()
	globals := get(tpl.root, "Globals", "Function")
	out := map[string]*function{}
	for id, r := range mapping(get(tpl.root, "Resources")) {
		if scalar(get(r, "Type")) != "AWS::Serverless::Function" {
			continue
		}
		props := get(r, "Properties")
		f := &function{LogicalID: id, Name: strings.ToLower(strings.TrimSuffix(id, "Function")), Env: map[string]string{},
			Timeout: tpl.number(t, props, globals, "Timeout"), Memory: tpl.number(t, props, globals, "MemorySize")}
		for _, from := range []*yaml.Node{globals, props} {
			for name, v := range mapping(get(from, "Environment", "Variables")) {
				value, err := tpl.resolve(v)
				switch {
				case errors.Is(err, errNoValue):
					delete(f.Env, name)
				case err != nil:
					t.Fatalf("template.yaml: %s's environment variable %s: %v", id, name, err)
				default:
					f.Env[name] = value
				}
			}
			if lf := get(from, "LoggingConfig", "LogFormat"); lf != nil {
				f.LogFormat = lf.Value
			}
		}
		out[f.Name] = f
	}
	return out
}

// number reads a numeric setting of a function, else of Globals.
func (tpl *template) number(t *testing.T, props, globals *yaml.Node, key string) int {
	t.Helper()
	n := get(props, key)
	if n == nil {
		n = get(globals, key)
	}
	v, err := strconv.Atoi(scalar(n))
	if err != nil {
		t.Fatalf("template.yaml: %s: %v", key, err)
	}
	return v
}

// definitionSubstitutions returns the state machine's substitutions, resolved.
func (tpl *template) definitionSubstitutions(t *testing.T, stateMachine string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range mapping(get(tpl.root, "Resources", stateMachine, "Properties", "DefinitionSubstitutions")) {
		value, err := tpl.resolve(v)
		if err != nil {
			t.Fatalf("template.yaml: definition substitution %s: %v", k, err)
		}
		out[k] = value
	}
	if len(out) == 0 {
		t.Fatalf("template.yaml: %s has no DefinitionSubstitutions", stateMachine)
	}
	return out
}

// resolve evaluates a value of the template: a scalar, or the intrinsic
// functions !Ref, !GetAtt, !Sub, !Join, !If (with the template's conditions:
// !Equals, !Not, !And, !Or, !Condition) and !Select.
func (tpl *template) resolve(n *yaml.Node) (string, error) {
	switch n.Tag {
	case "!Ref":
		return tpl.ref(n.Value)
	case "!GetAtt":
		name := n.Value
		if n.Kind == yaml.SequenceNode && len(n.Content) == 2 {
			name = n.Content[0].Value + "." + n.Content[1].Value
		}
		return tpl.ref(name)
	case "!Sub":
		return tpl.sub(n)
	case "!Join":
		if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
			return "", fmt.Errorf("!Join takes [separator, list]")
		}
		parts := []string{}
		for _, p := range n.Content[1].Content {
			s, err := tpl.resolve(p)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, n.Content[0].Value), nil
	case "!Select":
		if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
			return "", fmt.Errorf("!Select takes [index, list]")
		}
		i, err := strconv.Atoi(n.Content[0].Value)
		if err != nil || i < 0 || i >= len(n.Content[1].Content) {
			return "", fmt.Errorf("!Select: bad index %q", n.Content[0].Value)
		}
		return tpl.resolve(n.Content[1].Content[i])
	case "!If":
		if n.Kind != yaml.SequenceNode || len(n.Content) != 3 {
			return "", fmt.Errorf("!If takes [condition, then, else]")
		}
		ok, err := tpl.condition(n.Content[0].Value)
		if err != nil {
			return "", err
		}
		if ok {
			return tpl.resolve(n.Content[1])
		}
		return tpl.resolve(n.Content[2])
	}
	if n.Kind != yaml.ScalarNode || (strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!")) {
		return "", fmt.Errorf("cannot resolve %s %s locally", n.Tag, n.Value)
	}
	return n.Value, nil
}

// ref resolves a !Ref or !GetAtt target: a pseudo parameter, a parameter, or a
// resource's local stand-in. A resource without one resolves to its logical id
// in lower case, a plausible name (of a bucket, a parameter) for resources the
// functions only name.
func (tpl *template) ref(name string) (string, error) {
	switch name {
	case "AWS::Region":
		return region, nil
	case "AWS::AccountId":
		return account, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return "ferry", nil
	case "AWS::NoValue":
		return "", errNoValue
	}
	if v, ok := tpl.params[name]; ok {
		return v, nil
	}
	if v, ok := tpl.refs[name]; ok {
		return v, nil
	}
	id, _, attr := strings.Cut(name, ".")
	if get(tpl.root, "Resources", id) == nil {
		return "", fmt.Errorf("%s names no parameter or resource", name)
	}
	if attr {
		return "", fmt.Errorf("no local stand-in for %s", name)
	}
	return strings.ToLower(id), nil
}

var subVar = regexp.MustCompile(`\$\{([^}!]+)\}`)

// sub evaluates !Sub "text" and !Sub ["text", {vars}].
func (tpl *template) sub(n *yaml.Node) (string, error) {
	text, vars := n.Value, map[string]*yaml.Node{}
	if n.Kind == yaml.SequenceNode && len(n.Content) == 2 {
		text, vars = n.Content[0].Value, mapping(n.Content[1])
	}
	var failed error
	out := subVar.ReplaceAllStringFunc(text, func(m string) string {
		name := subVar.FindStringSubmatch(m)[1]
		var v string
		var err error
		if node, ok := vars[name]; ok {
			v, err = tpl.resolve(node)
		} else {
			v, err = tpl.ref(name)
		}
		if err != nil && failed == nil {
			failed = err
		}
		return v
	})
	return out, failed
}

// condition evaluates a named condition of the template.
func (tpl *template) condition(name string) (bool, error) {
	n, ok := tpl.conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	return tpl.truth(n)
}

func (tpl *template) truth(n *yaml.Node) (bool, error) {
	switch n.Tag {
	case "!Condition":
		return tpl.condition(n.Value)
	case "!Equals":
		if len(n.Content) != 2 {
			return false, fmt.Errorf("!Equals takes two values")
		}
		a, err := tpl.resolve(n.Content[0])
		if err != nil {
			return false, err
		}
		b, err := tpl.resolve(n.Content[1])
		return a == b, err
	case "!Not":
		if len(n.Content) != 1 {
			return false, fmt.Errorf("!Not takes one condition")
		}
		v, err := tpl.truth(n.Content[0])
		return !v, err
	case "!And", "!Or":
		all := n.Tag == "!And"
		for _, c := range n.Content {
			v, err := tpl.truth(c)
			if err != nil {
				return false, err
			}
			if v != all {
				return v, nil
			}
		}
		return all, nil
	}
	return false, fmt.Errorf("cannot evaluate condition %s %s", n.Tag, n.Value)
}

// get walks a mapping node by keys; nil when a key is missing.
func get(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// mapping returns a mapping node's entries; none for anything else.
func mapping(n *yaml.Node) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = n.Content[i+1]
	}
	return out
}

func scalar(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

// TestResolve: the intrinsic functions the harness resolves, on a template
// shaped like the ones SAM deploys.
func TestResolve(t *testing.T) {
	tpl := parseTemplate(t, []byte(`
Parameters:
  PageUrl: {Type: String, Default: ""}
  Admins: {Type: String, Default: ""}
Conditions:
  HasPageUrl: !Not [!Equals [!Ref PageUrl, ""]]
  Both: !And [!Condition HasPageUrl, !Equals [!Ref Admins, ana]]
Globals:
  Function:
    Timeout: 60
    MemorySize: 256
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        PAGE_URL: !If [HasPageUrl, !Ref PageUrl, !Sub "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"]
        GONE: !If [Both, x, !Ref AWS::NoValue]
    LoggingConfig: {LogFormat: JSON}
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  Bucket: {Type: AWS::S3::Bucket}
  HttpApi: {Type: AWS::Serverless::HttpApi}
  PlanFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 120
      Environment:
        Variables:
          BUCKET: !Ref Bucket
          PARAM: !Sub ["/ferry/${AWS::StackName}/${Name}", {Name: !Select [1, [a, hook]]}]
          ARN: !GetAtt [PlanFunction, Arn]
          JOINED: !Join [",", [!Ref Admins, b]]
`), map[string]string{"Admins": "ana"}, map[string]string{"Table": "t1", "HttpApi": "api1", "PlanFunction.Arn": "arn:plan"})
	fns := tpl.functions(t)
	plan := fns["plan"]
	if plan == nil || len(fns) != 1 {
		t.Fatalf("functions %v", fns)
	}
	want := map[string]string{"TABLE_NAME": "t1", "PAGE_URL": "https://api1.execute-api.us-east-1.amazonaws.com",
		"BUCKET": "bucket", "PARAM": "/ferry/ferry/hook", "ARN": "arn:plan", "JOINED": "ana,b"}
	if fmt.Sprint(plan.Env) != fmt.Sprint(want) || plan.Timeout != 120 || plan.Memory != 256 || plan.LogFormat != "JSON" {
		t.Errorf("plan: %+v, want env %v, timeout 120, memory 256, JSON logs", plan, want)
	}
	tpl.params["PageUrl"] = "https://ferry.example.com"
	if got := tpl.functions(t)["plan"].Env; got["PAGE_URL"] != "https://ferry.example.com" || got["GONE"] != "x" {
		t.Errorf("with PageUrl: %v", got)
	}
	if _, err := tpl.ref("Nothing"); err == nil {
		t.Error("a reference to nothing resolved")
	}
}
