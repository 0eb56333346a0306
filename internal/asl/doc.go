// Package asl interprets the Amazon States Language (JSONPath query language) for
// Ferry's Step Functions emulator (issue 5, in progress).
//
// What it has so far, each tested against the specification's examples: paths
// (Path), payload templates with ".$" fields (Template), the intrinsic functions
// (all of them, States.Format to States.UUID), and Choice rules with every
// comparison operator, their Path variants, type tests and And / Or / Not. The
// state machine executor, the Step Functions API and durability come next.
//
// Values are JSON as encoding/json decodes it with UseNumber: objects are
// map[string]any, numbers json.Number.
package asl
