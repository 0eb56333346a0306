// Package ferry embeds the files the code shares with the deployment, so that
// there is one copy of each: the template (template.yaml, whose table definition
// the DynamoDB store reads), the promotion state machine and the example releases.
package ferry

import "embed"

// Template is the content of template.yaml.
//
//go:embed template.yaml
var Template []byte

// PromotionDefinition is statemachine/promotion.asl.json.
//
//go:embed statemachine/promotion.asl.json
var PromotionDefinition []byte

// Examples holds examples/, the releases ferry local --demo seeds.
//
//go:embed examples/*.yaml
var Examples embed.FS
