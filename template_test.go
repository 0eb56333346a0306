package ferry

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestTemplateMatchesTheCode checks that the template substitutes every placeholder
// of the state machine definition and deploys every function in functions/.
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
	dirs, err := os.ReadDir("functions")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !strings.Contains(string(Template), "CodeUri: build/lambda/"+d.Name()+"/") {
			t.Errorf("functions/%s is not deployed by template.yaml", d.Name())
		}
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
