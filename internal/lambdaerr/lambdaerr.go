// Package lambdaerr names a Go error the way AWS Lambda's Go runtime does. A
// function that returns an error fails with that name as its errorType, and Step
// Functions matches Retry and Catch on it, so the emulator, the functions' logs and
// the checks of the state machine all take the name from here.
//
// It is a leaf: the standard library only, so that the Step Functions emulator can
// use it and stay free of Ferry's domain.
package lambdaerr

import "reflect"

// Name is the errorType aws-lambda-go reports for an error a handler returns
// (lambdaErrorResponse in github.com/aws/aws-lambda-go/lambda/errors.go): the name
// of the error's dynamic type, or of the type it points to when that is a pointer.
// A wrapped error is named by its outer type (*fmt.wrapError gives "wrapError"),
// as the runtime does not unwrap; an unnamed type gives "". A nil error gives "".
//
// One case of aws-lambda-go's is not reproduced: a handler returning the
// runtime's own messages.InvokeResponse_Error chooses its errorType in the value;
// Name reports that type's name, InvokeResponse_Error.
func Name(err error) string {
	t := reflect.TypeOf(err)
	if t == nil {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}
