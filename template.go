// Package ferry embeds the deployment template, template.yaml, so that the code
// reads the same resource definitions SAM deploys (the DynamoDB table's keys and
// indexes) instead of keeping a second copy.
package ferry

import _ "embed"

// Template is the content of template.yaml.
//
//go:embed template.yaml
var Template []byte
