package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/release"
)

// Node pages of GET /api/releases/{id}.
const (
	defaultNodes = 100
	maxNodes     = 1000
)

// putRelease stores a release sent as native JSON and returns its header.
func (s *Server) putRelease(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxReleaseBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return fault.Errorf(fault.Invalid, "reading the release: %v", err)
	}
	rel, err := release.ParseJSON("request body", data)
	if err != nil {
		return fault.Errorf(fault.Invalid, "%v", err)
	}
	created, err := s.Control.PutRelease(r.Context(), rel)
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return writeJSON(w, code, headerOf(rel.ID(), rel))
}

// getRelease returns a release with a page of its nodes: ?q= keeps the nodes
// whose name contains it (case-insensitive); offset and limit page through them.
func (s *Server) getRelease(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	q := r.URL.Query()
	offset, err := intParam(q.Get("offset"), "offset", 0, 0, 1<<31)
	if err != nil {
		return err
	}
	limit, err := intParam(q.Get("limit"), "limit", defaultNodes, 1, maxNodes)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	rel, err := s.Control.Release(r.Context(), id)
	if err != nil {
		return err
	}
	view := wire.ReleaseView{ReleaseHeader: headerOf(id, rel), Nodes: []release.Node{}}
	needle := strings.ToLower(q.Get("q"))
	for _, n := range rel.Nodes {
		if needle != "" && !strings.Contains(strings.ToLower(n.Name), needle) {
			continue
		}
		if view.Matched >= offset && len(view.Nodes) < limit {
			view.Nodes = append(view.Nodes, n)
		}
		view.Matched++
	}
	if end := offset + len(view.Nodes); end < view.Matched {
		view.NextOffset = end
	}
	return writeJSON(w, http.StatusOK, view)
}

// intParam reads an optional integer query parameter within [lo, hi].
func intParam(v, name string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fault.Errorf(fault.Invalid, "%s: %q is not a number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}
