package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.yaml.in/yaml/v3"

	ferry "github.com/ferrydev/ferry"
)

// tableResource is the logical name of the table in template.yaml.
const tableResource = "Table"

// tableProperties is the part of an AWS::DynamoDB::Table resource the store needs.
type tableProperties struct {
	BillingMode          string `yaml:"BillingMode"`
	AttributeDefinitions []struct {
		AttributeName string `yaml:"AttributeName"`
		AttributeType string `yaml:"AttributeType"`
	} `yaml:"AttributeDefinitions"`
	KeySchema              []keyElement `yaml:"KeySchema"`
	GlobalSecondaryIndexes []struct {
		IndexName  string       `yaml:"IndexName"`
		KeySchema  []keyElement `yaml:"KeySchema"`
		Projection struct {
			ProjectionType string `yaml:"ProjectionType"`
		} `yaml:"Projection"`
	} `yaml:"GlobalSecondaryIndexes"`
	TimeToLiveSpecification struct {
		AttributeName string `yaml:"AttributeName"`
		Enabled       bool   `yaml:"Enabled"`
	} `yaml:"TimeToLiveSpecification"`
}

type keyElement struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

// TableDefinition returns the CreateTable request for a table named name, built
// from the table in template.yaml, the one definition SAM deploys too.
func TableDefinition(name string) (*dynamodb.CreateTableInput, string, error) {
	props, err := templateTable(ferry.Template)
	if err != nil {
		return nil, "", fmt.Errorf("reading the table from template.yaml: %w", err)
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingMode(props.BillingMode),
		KeySchema:   keySchema(props.KeySchema),
	}
	for _, a := range props.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName), AttributeType: types.ScalarAttributeType(a.AttributeType)})
	}
	for _, g := range props.GlobalSecondaryIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(g.IndexName),
			KeySchema:  keySchema(g.KeySchema),
			Projection: &types.Projection{ProjectionType: types.ProjectionType(g.Projection.ProjectionType)},
		})
	}
	ttl := ""
	if props.TimeToLiveSpecification.Enabled {
		ttl = props.TimeToLiveSpecification.AttributeName
	}
	return in, ttl, nil
}

func keySchema(elems []keyElement) []types.KeySchemaElement {
	var out []types.KeySchemaElement
	for _, k := range elems {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)})
	}
	return out
}

// templateTable finds the table resource in a SAM template. It walks the YAML
// tree rather than decoding it whole, because CloudFormation's short-form tags
// (!Ref, !Sub, ...) elsewhere in the template have no meaning to a YAML decoder.
func templateTable(template []byte) (*tableProperties, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(template, &root); err != nil {
		return nil, err
	}
	resource := lookup(lookup(root.Content[0], "Resources"), tableResource)
	if resource == nil {
		return nil, fmt.Errorf("no resource %q", tableResource)
	}
	if typ := lookup(resource, "Type"); typ == nil || typ.Value != "AWS::DynamoDB::Table" {
		return nil, fmt.Errorf("resource %q is not an AWS::DynamoDB::Table", tableResource)
	}
	var props tableProperties
	if err := lookup(resource, "Properties").Decode(&props); err != nil {
		return nil, err
	}
	if len(props.KeySchema) == 0 {
		return nil, errors.New("the table has no KeySchema")
	}
	return &props, nil
}

// lookup returns the value of key in mapping node n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// tableAPI is what CreateTable needs of a DynamoDB client.
type tableAPI interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// CreateTable creates the table as template.yaml defines it and waits until it is
// active, for DynamoDB Local and ferry local; in AWS the template creates it.
func CreateTable(ctx context.Context, client tableAPI, name string) error {
	in, ttl, err := TableDefinition(name)
	if err != nil {
		return err
	}
	if _, err := client.CreateTable(ctx, in); err != nil {
		var inUse *types.ResourceInUseException
		if !errors.As(err, &inUse) {
			return fmt.Errorf("creating table %s: %w", name, err)
		}
	}
	if err := dynamodb.NewTableExistsWaiter(client).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		return fmt.Errorf("waiting for table %s: %w", name, err)
	}
	if ttl != "" {
		_, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(ttl), Enabled: aws.Bool(true)}})
		var validation interface{ ErrorCode() string }
		if err != nil && !(errors.As(err, &validation) && validation.ErrorCode() == "ValidationException") { // already enabled
			return fmt.Errorf("enabling TTL on %s: %w", name, err)
		}
	}
	return nil
}
