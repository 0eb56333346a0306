package dynamo

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// update builds an UpdateItem expression.
type update struct {
	expr, removes []string
	adds          []string
	condition     string
	names         map[string]string
	values        map[string]types.AttributeValue
}

// newUpdate starts an empty update.
func newUpdate() *update {
	return &update{names: map[string]string{}, values: map[string]types.AttributeValue{}}
}

// set sets attribute attr, named name ("#x", whose value is ":x"), to v.
func (u *update) set(name, attr string, v types.AttributeValue) {
	u.names[name] = attr
	u.values[":"+name[1:]] = v
	u.expr = append(u.expr, name+" = :"+name[1:])
}

// add adds v to the number attr, named name.
func (u *update) add(name, attr string, v types.AttributeValue) {
	u.names[name] = attr
	u.values[":"+name[1:]] = v
	u.adds = append(u.adds, name+" :"+name[1:])
}

// remove removes attr, named name.
func (u *update) remove(name, attr string) {
	u.names[name] = attr
	u.removes = append(u.removes, name)
}

// cond makes c the update's condition.
func (u *update) cond(c string) {
	u.condition = c
}

// expression is the update expression: SET, ADD, then REMOVE clauses.
func (u *update) expression() string {
	var parts []string
	if len(u.expr) > 0 {
		parts = append(parts, "SET "+strings.Join(u.expr, ", "))
	}
	if len(u.adds) > 0 {
		parts = append(parts, "ADD "+strings.Join(u.adds, ", "))
	}
	if len(u.removes) > 0 {
		parts = append(parts, "REMOVE "+strings.Join(u.removes, ", "))
	}
	return strings.Join(parts, " ")
}

// input is the UpdateItem request for the item with key k.
func (u *update) input(table *string, k map[string]types.AttributeValue) *dynamodb.UpdateItemInput {
	in := &dynamodb.UpdateItemInput{TableName: table, Key: k, UpdateExpression: aws.String(u.expression()),
		ExpressionAttributeNames: u.names}
	if len(u.values) > 0 { // DynamoDB refuses an empty map
		in.ExpressionAttributeValues = u.values
	}
	if u.condition != "" {
		in.ConditionExpression = aws.String(u.condition)
	}
	return in
}

// transact is the update as an item of a transaction.
func (u *update) transact(table *string, k map[string]types.AttributeValue) *types.Update {
	in := u.input(table, k)
	return &types.Update{TableName: table, Key: k, UpdateExpression: in.UpdateExpression, ConditionExpression: in.ConditionExpression,
		ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues}
}
