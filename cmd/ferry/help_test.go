package main

import (
	"strings"
	"testing"
)

// TestHelpDoesNotShowTheToken runs every command's -h, and a bad flag (which
// prints the flags too), with $FERRY_TOKEN set, and checks that the token is
// nowhere in what they print.
func TestHelpDoesNotShowTheToken(t *testing.T) {
	const token = "fy_0123456789abcdef-secret-token"
	t.Setenv("FERRY_TOKEN", token)
	commands := [][]string{{"plan"}, {"local"}, {"env"}, {"help"}}
	for name := range clientCommands() {
		commands = append(commands, []string{name})
	}
	for name := range envCommands() {
		commands = append(commands, []string{"env", name})
	}
	for _, cmd := range commands {
		for _, flag := range []string{"-h", "--no-such-flag"} {
			args := append(append([]string(nil), cmd...), flag)
			_, stdout, stderr := runCLI(args...)
			if strings.Contains(stdout+stderr, token) {
				t.Errorf("ferry %s prints $FERRY_TOKEN:\n%s%s", strings.Join(args, " "), stdout, stderr)
			}
			takesToken := cmd[0] != "local" && cmd[0] != "help" && strings.Join(cmd, " ") != "env"
			if flag == "-h" && takesToken && !strings.Contains(stdout, "(default $FERRY_TOKEN)") {
				t.Errorf("ferry %s -h does not say where the token comes from:\n%s", strings.Join(cmd, " "), stdout)
			}
		}
	}
}
