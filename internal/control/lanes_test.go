package control

import (
	"fmt"
	"testing"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/policy"
)

func TestPipelines(t *testing.T) {
	var envs []*environment.Environment
	for _, pair := range [][2]string{
		{"prod", "staging"}, {"perf", "staging"}, {"staging", "dev"}, {"dev", ""},
		{"self", "self"}, {"x", "y"}, {"y", "z"}, {"z", "x"}, {"w", "z"}, {"pr-9", "nowhere"}, {"alone", ""},
	} {
		envs = append(envs, &environment.Environment{Name: pair[0], Policy: policy.Policy{Upstream: pair[1]}})
	}
	envs = append(envs, &environment.Environment{Name: "pr-1", Policy: policy.Policy{Upstream: "dev"}, Ephemeral: true})
	var got [][]string
	for _, pipe := range pipelines(envs) {
		var names []string
		for _, p := range pipe {
			names = append(names, fmt.Sprintf("%s/%d%s", p.env.Name, p.depth, p.problem))
		}
		got = append(got, names)
	}
	want := [][]string{{"alone/0"}, {"dev/0", "staging/1", "perf/2", "prod/2", "pr-1/1"}, {"pr-9/0missing"},
		{"self/0cycle"}, {"x/0cycle", "z/1", "w/2", "y/2"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pipelines\n%v\nwant\n%v", got, want)
	}
}
