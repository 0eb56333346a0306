package release

import (
	"fmt"
)

// maxProblems bounds how many problems one Error collects.
const maxProblems = 20

// Problem is one thing wrong with a release: where it is and what is wrong.
type Problem struct {
	// File is the file the release was read from.
	File string
	// Line is the 1-based line in File, or 0 when unknown.
	Line int
	// Node identifies the node, such as `"orders" (nodes[3])`, or is empty.
	Node string
	// Field is the offending field, such as "depends_on" or "columns[2].type", or is empty.
	Field string
	// Message says what is wrong.
	Message string
}

// String describes the problem for people: file, line, node, field, then what is wrong.
func (p Problem) String() string {
	s := p.File
	if p.Line > 0 {
		s += fmt.Sprintf(":%d", p.Line)
	}
	if p.Node != "" {
		s += ": node " + p.Node
	}
	if p.Field != "" {
		s += ": " + p.Field
	}
	return s + ": " + p.Message
}

// Error is a release that could not be read or is not valid. It lists every problem
// found, up to a limit; Error() is one line, with the first problem and a count of
// the others.
type Error struct {
	Problems []Problem
	// More counts problems found beyond those listed.
	More int
}

func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return "invalid release"
	}
	s := e.Problems[0].String()
	if n := len(e.Problems) - 1 + e.More; n > 0 {
		s += fmt.Sprintf(" (and %d more %s)", n, plural(n, "problem", "problems"))
	}
	return s
}

// problems collects Problems up to maxProblems.
type problems struct {
	file string
	err  Error
}

func (ps *problems) add(p Problem) {
	p.File = ps.file
	if len(ps.err.Problems) >= maxProblems {
		ps.err.More++
		return
	}
	ps.err.Problems = append(ps.err.Problems, p)
}

func (ps *problems) full() bool { return len(ps.err.Problems) >= maxProblems }

func (ps *problems) result() error {
	if len(ps.err.Problems) == 0 {
		return nil
	}
	return &ps.err
}

// nodeRef names node i for a Problem.
func nodeRef(i int, name string) string {
	if name == "" {
		return fmt.Sprintf("nodes[%d]", i)
	}
	return fmt.Sprintf("%q (nodes[%d])", name, i)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
