package store

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
)

// This file holds the stored form of the immutable content, releases, plans and
// deployments, and the answers for content that is not stored. Stores keep each
// one compressed (Compress) in the form Encode* gives.

// EncodeRelease is a release's stored form: its canonical JSON, whose digest is
// its id.
func EncodeRelease(r *release.Release) []byte { return release.Canonical(r) }

// CompressRelease is Compress(EncodeRelease(r)) without holding the canonical
// JSON: it is compressed as it is written, so storing a release holds the release
// and its compressed form only.
func CompressRelease(r *release.Release) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	release.WriteCanonical(zw, r)
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing release %s: %w", r.ID(), err)
	}
	return buf.Bytes(), nil
}

// DecodeRelease reads a stored release (its canonical JSON) and checks that it is
// the release id names.
func DecodeRelease(id string, data []byte) (*release.Release, error) {
	r, err := release.ParseJSON("release "+id, data)
	if err != nil {
		return nil, fmt.Errorf("reading release %s: %w", id, err)
	}
	if r.ID() != id {
		return nil, fmt.Errorf("release %s is stored with content whose id is %s", id, r.ID())
	}
	return r, nil
}

// EncodePlan is a plan's stored form, its JSON.
func EncodePlan(p *plan.Plan) ([]byte, error) { return json.Marshal(p) }

// DecodePlan reads a stored plan.
func DecodePlan(digest string, data []byte) (*plan.Plan, error) {
	var p plan.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("reading plan %s: %w", digest, err)
	}
	return &p, nil
}

// EncodeNodes is a deployment's stored form, the JSON of its node references.
func EncodeNodes(refs []environment.NodeRef) ([]byte, error) { return json.Marshal(refs) }

// DecodeNodes reads a stored deployment of env at version.
func DecodeNodes(env string, version int64, data []byte) ([]environment.NodeRef, error) {
	var refs []environment.NodeRef
	if err := json.Unmarshal(data, &refs); err != nil {
		return nil, fmt.Errorf("reading the deployment of %s at version %d: %w", env, version, err)
	}
	return refs, nil
}

// ReleaseNotFoundError is the answer for a release that is not stored.
func ReleaseNotFoundError(id string) error {
	return fault.Errorf(fault.NotFound, "release %s not found", id)
}

// PlanNotFoundError is the answer for a plan that is not stored.
func PlanNotFoundError(digest string) error {
	return fault.Errorf(fault.NotFound, "plan %s not found", digest)
}

// NoDeploymentError is the answer for a deployment an environment does not have.
func NoDeploymentError(env string, version int64) error {
	return fault.Errorf(fault.NotFound, "environment %q has no deployment at version %d", env, version)
}

// Compress gzips data; stores keep releases, plans and deployments compressed.
func Compress(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decompress reverses Compress.
func Decompress(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
