package stepfn

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/sfnemu/asl"
)

// maxRequest bounds an API request body (Step Functions' own limit on a payload is 256 KiB).
const maxRequest = 1 << 20

// Handler serves the Step Functions API (AWS JSON 1.0: POST /, the action in the
// X-Amz-Target header as AWSStepFunctions.Action). It does not check signatures:
// wrap it in a sigv4.Verifier's Handler for that, as ferry local does.
func (em *Emulator) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			writeError(w, apiError("ValidationException", "use POST"))
			return
		}
		action, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
		op, known := operations[action]
		if !ok || !known {
			writeError(w, apiError("UnknownOperationException", "unknown operation %q", r.Header.Get("X-Amz-Target")))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
		if err != nil || len(body) > maxRequest {
			writeError(w, apiError("ValidationException", "the request is unreadable or larger than %d bytes", maxRequest))
			return
		}
		out, err := op(em, body)
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		json.NewEncoder(w).Encode(out)
	})
}

func writeError(w http.ResponseWriter, err error) {
	var api *APIError
	if !errors.As(err, &api) {
		api = &APIError{Code: "InternalFailure", Message: "internal error"}
	}
	status := http.StatusBadRequest
	if api.Code == "InternalFailure" {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", api.Code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": api.Code, "message": api.Message})
}

// request decodes a request body into v, refusing unknown fields.
func request(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apiError("ValidationException", "bad request: %v", err)
	}
	return nil
}

// epoch writes a time as the protocol does: seconds since the epoch.
func epoch(t time.Time) json.Number {
	if t.IsZero() {
		return ""
	}
	return json.Number(strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 3, 64))
}

// maxPage is the largest page Step Functions' list actions give (maxResults);
// 0 asks for the default, 100.
const maxPage = 1000

// executionStatuses are the values ListExecutions' statusFilter takes.
var executionStatuses = []string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}

// constraint is the ValidationException Step Functions answers for a parameter
// that breaks its model's constraints, worded as AWS words it.
func constraint(value any, field, rule string) error {
	return apiError("ValidationException", "1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, field, rule)
}

// checkMaxResults validates a list action's maxResults: 0 to maxPage. Actions
// check it with their other parameters, before looking anything up, as AWS does.
func checkMaxResults(n int) error {
	switch {
	case n < 0:
		return constraint(n, "maxResults", "Member must have value greater than or equal to 0")
	case n > maxPage:
		return constraint(n, "maxResults", fmt.Sprintf("Member must have value less than or equal to %d", maxPage))
	}
	return nil
}

// page cuts a list for maxResults (0 to maxPage; 0 for 100) and nextToken (an
// opaque offset).
func page[T any](items []T, maxResults int, token string) ([]T, string, error) {
	if err := checkMaxResults(maxResults); err != nil {
		return nil, "", err
	}
	start := 0
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if n, convErr := strconv.Atoi(string(b)); err != nil || convErr != nil || n < 0 || n > len(items) {
			return nil, "", apiError("InvalidToken", "the nextToken is not one this list gave")
		} else {
			start = n
		}
	}
	if maxResults == 0 {
		maxResults = 100
	}
	end := min(len(items), start+maxResults)
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return items[start:end], next, nil
}

type operation func(em *Emulator, body []byte) (any, error)

var operations = map[string]operation{
	"CreateStateMachine": func(em *Emulator, body []byte) (any, error) {
		var in struct {
			Name                 string          `json:"name"`
			Definition           string          `json:"definition"`
			RoleArn              string          `json:"roleArn"`
			Type                 string          `json:"type"`
			LoggingConfiguration json.RawMessage `json:"loggingConfiguration"`
			TracingConfiguration json.RawMessage `json:"tracingConfiguration"`
			Tags                 json.RawMessage `json:"tags"`
		}
		if err := request(body, &in); err != nil {
			return nil, err
		}
		if in.Name == "" || in.Definition == "" {
			return nil, apiError("ValidationException", "name and definition are required")
		}
		arn, created, err := em.CreateStateMachine(in.Name, in.Definition, in.RoleArn, in.Type, nil)
		if err != nil {
			return nil, err
		}
		return map[string]any{"stateMachineArn": arn, "creationDate": epoch(created)}, nil
	},
	"DescribeStateMachine": func(em *Emulator, body []byte) (any, error) {
		var in struct {
			StateMachineArn string `json:"stateMachineArn"`
		}
		if err := request(body, &in); err != nil {
			return nil, err
		}
		sm, err := em.machine(in.StateMachineArn)
		if err != nil {
			return nil, err
		}
		return map[string]any{"stateMachineArn": sm.arn, "name": sm.name, "status": "ACTIVE", "definition": sm.definition,
			"roleArn": sm.roleArn, "type": sm.typ, "creationDate": epoch(sm.created)}, nil
	},
	"ListStateMachines": func(em *Emulator, body []byte) (any, error) {
		var in struct {
			MaxResults int    `json:"maxResults"`
			NextToken  string `json:"nextToken"`
		}
		if err := request(body, &in); err != nil {
			return nil, err
		}
		items, next, err := page(em.Machines(), in.MaxResults, in.NextToken)
		if err != nil {
			return nil, err
		}
		list := []map[string]any{}
		for _, sm := range items {
			list = append(list, map[string]any{"stateMachineArn": sm.arn, "name": sm.name, "type": sm.typ, "creationDate": epoch(sm.created)})
		}
		return withNext(map[string]any{"stateMachines": list}, next), nil
	},
	"StartExecution": func(em *Emulator, body []byte) (any, error) {
		var in struct {
			StateMachineArn string `json:"stateMachineArn"`
			Name            string `json:"name"`
			Input           string `json:"input"`
			TraceHeader     string `json:"traceHeader"`
		}
		if err := request(body, &in); err != nil {
			return nil, err
		}
		arn, started, err := em.StartExecution(in.StateMachineArn, in.Name, in.Input)
		if err != nil {
			return nil, err
		}
		return map[string]any{"executionArn": arn, "startDate": epoch(started)}, nil
	},
	"DescribeExecution": func(em *Emulator, body []byte) (any, error) {
		var in struct {
			ExecutionArn string `json:"executionArn"`
		}
		if err := request(body, &in); err != nil {
			return nil, err
		}
		e, err := em.Describe(in.ExecutionArn)
		if err != nil {
			return nil, err
		}
		out := summary(e)
		out["input"] = render(e.Input)
		if e.Status == asl.Succeeded {
			out["output"] = render(e.Output)
		}
		if e.Failure != nil {
			out["error"], out["cause"] = e.Failure.Name, e.Failure.Cause
		}
		return out, nil
	},
	"ListExecutions": func(em *Emulator, body []byte) (any, error) {
		var in struct {
			StateMachineArn string `json:"stateMachineArn"`
			StatusFilter    string `json:"statusFilter"`
			MaxResults      int    `json:"maxResults"`
			NextToken       string `json:"nextToken"`
		}
		if err := request(body, &in); err != nil {
			return nil, err
		}
		if in.StatusFilter != "" && !slices.Contains(executionStatuses, in.StatusFilter) {
			return nil, constraint(in.StatusFilter, "statusFilter", "Member must satisfy enum value set: ["+strings.Join(executionStatuses, ", ")+"]")
		}
		if err := checkMaxResults(in.MaxResults); err != nil {
			return nil, err
		}
		all, err := em.Executions(in.StateMachineArn, in.StatusFilter)
		if err != nil {
			return nil, err
		}
		items, next, err := page(all, in.MaxResults, in.NextToken)
		if err != nil {
			return nil, err
		}
		list := []map[string]any{}
		for _, e := range items {
			list = append(list, summary(e))
		}
		return withNext(map[string]any{"executions": list}, next), nil
	},
	"StopExecution": func(em *Emulator, body []byte) (any, error) {
		var in struct {
			ExecutionArn string `json:"executionArn"`
			Error        string `json:"error"`
			Cause        string `json:"cause"`
		}
		if err := request(body, &in); err != nil {
			return nil, err
		}
		stopped, err := em.Stop(in.ExecutionArn, in.Error, in.Cause)
		if err != nil {
			return nil, err
		}
		return map[string]any{"stopDate": epoch(stopped)}, nil
	},
	"GetExecutionHistory": func(em *Emulator, body []byte) (any, error) {
		var in struct {
			ExecutionArn         string `json:"executionArn"`
			MaxResults           int    `json:"maxResults"`
			NextToken            string `json:"nextToken"`
			ReverseOrder         bool   `json:"reverseOrder"`
			IncludeExecutionData *bool  `json:"includeExecutionData"`
		}
		if err := request(body, &in); err != nil {
			return nil, err
		}
		if err := checkMaxResults(in.MaxResults); err != nil {
			return nil, err
		}
		e, err := em.Describe(in.ExecutionArn)
		if err != nil {
			return nil, err
		}
		events := e.Events
		if in.ReverseOrder {
			events = make([]asl.Event, len(e.Events))
			for i, ev := range e.Events {
				events[len(e.Events)-1-i] = ev
			}
		}
		items, next, err := page(events, in.MaxResults, in.NextToken)
		if err != nil {
			return nil, err
		}
		list := []map[string]any{}
		for _, ev := range items {
			m := map[string]any{"id": ev.ID, "previousEventId": ev.PreviousID, "timestamp": epoch(ev.Timestamp), "type": ev.Type}
			if ev.DetailsKey != "" {
				m[ev.DetailsKey] = ev.Details
			}
			list = append(list, m)
		}
		return withNext(map[string]any{"events": list}, next), nil
	},
	"SendTaskSuccess": func(em *Emulator, body []byte) (any, error) {
		var in struct {
			TaskToken string `json:"taskToken"`
			Output    string `json:"output"`
		}
		if err := request(body, &in); err != nil {
			return nil, err
		}
		return map[string]any{}, em.SendTaskSuccess(in.TaskToken, in.Output)
	},
	"SendTaskFailure": func(em *Emulator, body []byte) (any, error) {
		var in struct {
			TaskToken string `json:"taskToken"`
			Error     string `json:"error"`
			Cause     string `json:"cause"`
		}
		if err := request(body, &in); err != nil {
			return nil, err
		}
		return map[string]any{}, em.SendTaskFailure(in.TaskToken, in.Error, in.Cause)
	},
	"SendTaskHeartbeat": func(em *Emulator, body []byte) (any, error) {
		var in struct {
			TaskToken string `json:"taskToken"`
		}
		if err := request(body, &in); err != nil {
			return nil, err
		}
		return map[string]any{}, em.SendTaskHeartbeat(in.TaskToken)
	},
}

func summary(e *asl.Execution) map[string]any {
	out := map[string]any{"executionArn": e.ARN, "stateMachineArn": e.StateMachineARN, "name": e.Name,
		"status": string(e.Status), "startDate": epoch(e.Start)}
	if !e.Stop.IsZero() {
		out["stopDate"] = epoch(e.Stop)
	}
	return out
}

func withNext(m map[string]any, next string) map[string]any {
	if next != "" {
		m["nextToken"] = next
	}
	return m
}

func render(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", err.Error())
	}
	return string(b)
}
