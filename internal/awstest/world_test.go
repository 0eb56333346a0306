package awstest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	ferry "github.com/ferrydev/ferry"
	"github.com/ferrydev/ferry/internal/dynamo"
)

// Parameter values the test deploys the template with.
const (
	admin        = "admin@example.com"
	stateMachine = "ferry-promotion"
)

// world is Ferry deployed on this machine: DynamoDB Local, moto's server with
// its Step Functions interpreter, and every function under aws-lambda-rie.
type world struct {
	ctx             context.Context
	store           *dynamo.Store
	table           string
	sfn             *sfn.Client
	stateMachineARN string
	funcs           map[string]*rie
	// smoke answers the smoke checks: /ok with 200, /down with 503.
	smoke string
}

// need returns the environment variable name's value; without it the test is
// skipped, except in CI, where make test must provide it.
func need(t *testing.T, name, why string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set (%s); make test sets it", name, why)
		}
		t.Skipf("%s is not set (%s); run make test", name, why)
	}
	return v
}

// newWorld builds the functions, creates the table, starts moto with the state
// machine, and starts each function under RIE.
func newWorld(t *testing.T) *world {
	t.Helper()
	riePath := need(t, "FERRY_RIE", "the path of aws-lambda-rie")
	endpoint := need(t, "FERRY_DYNAMODB_ENDPOINT", "DynamoDB Local, from infra/with-dynamodb-local.sh")
	python := os.Getenv("FERRY_PYTHON")
	if python == "" {
		python = "python3"
	}
	w := &world{ctx: context.Background(), table: fmt.Sprintf("ferry-awstest-%d", time.Now().UnixNano()), funcs: map[string]*rie{}}

	bin := t.TempDir()
	buildFunctions(t, bin)

	client := dynamo.NewLocalClient(endpoint)
	if err := dynamo.CreateTable(w.ctx, client, w.table); err != nil {
		t.Fatal(err)
	}
	w.store = dynamo.New(client, w.table)

	smoke := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ok" {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(smoke.Close)
	w.smoke = smoke.URL

	// Ports first: moto needs the functions' addresses, the functions moto's.
	fnPorts := map[string]ports{}
	routes := map[string]string{}
	functionARN := map[string]string{}
	tpl := readTemplate(t, map[string]string{"Admins": admin, "OidcIssuer": "https://issuer.example.com", "OidcAudience": "ferry"}, nil)
	fns := tpl.functions(t)
	free := freePorts(t, 2*len(fns)+1)
	for name, fn := range fns {
		fnPorts[name], free = ports{runtime: free[0], invoke: free[1]}, free[2:]
		arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:ferry-%s", region, account, name)
		functionARN[fn.LogicalID+".Arn"] = arn
		routes[arn] = fmt.Sprintf("http://127.0.0.1:%d", fnPorts[name].invoke)
	}
	motoURL := w.startMoto(t, python, free[0], routes)
	w.stateMachineARN = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", region, account, stateMachine)

	refs := map[string]string{"Table": w.table, "PromotionStateMachine": w.stateMachineARN,
		"PromotionStateMachine.Name": stateMachine, "HttpApi": "local"}
	for k, v := range functionARN {
		refs[k] = v
	}
	tpl = readTemplate(t, map[string]string{"Admins": admin, "OidcIssuer": "https://issuer.example.com", "OidcAudience": "ferry"}, refs)
	w.createStateMachine(t, tpl.definitionSubstitutions(t, "PromotionStateMachine"))

	aws := map[string]string{"AWS_REGION": region, "AWS_DEFAULT_REGION": region,
		// DynamoDB Local keeps one database per access key and region: the
		// functions use the key of dynamo.NewLocalClient, which the test uses.
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		// Every AWS service the functions call goes to moto, but DynamoDB.
		"AWS_ENDPOINT_URL": motoURL, "AWS_ENDPOINT_URL_DYNAMODB": endpoint}
	for name, fn := range tpl.functions(t) {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			t.Fatalf("template.yaml deploys %s, which functions/%s does not build: %v", fn.LogicalID, name, err)
		}
		w.funcs[name] = startRIE(t, riePath, filepath.Join(bin, name), fn, fnPorts[name], aws)
	}
	return w
}

// startMoto runs the moto harness and returns its endpoint.
func (w *world) startMoto(t *testing.T, python string, port int, routes map[string]string) string {
	t.Helper()
	if err := exec.Command(python, "-c", "import moto.server, moto.stepfunctions.parser").Run(); err != nil {
		t.Fatalf("%s cannot import moto's server and Step Functions interpreter (moto 5.2 with its server extras): %v", python, err)
	}
	routesJSON, err := json.Marshal(routes)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "moto_harness.py", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "FERRY_LAMBDA_ROUTES="+string(routesJSON))
	out, done := startProcess(t, "moto", cmd)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	waitListening(t, "moto", addr, done, out.String)
	url := "http://" + addr
	w.sfn = sfn.New(sfn.Options{Region: region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	return url
}

// createStateMachine creates the promotion state machine in moto from the
// definition with the template's substitutions.
func (w *world) createStateMachine(t *testing.T, subs map[string]string) {
	t.Helper()
	def := string(ferry.PromotionDefinition)
	for k, v := range subs {
		def = strings.ReplaceAll(def, "${"+k+"}", v)
	}
	if strings.Contains(def, "${") {
		t.Fatalf("the definition has a placeholder the template does not substitute")
	}
	out, err := w.sfn.CreateStateMachine(w.ctx, &sfn.CreateStateMachineInput{Name: aws.String(stateMachine),
		Definition: aws.String(def), RoleArn: aws.String(fmt.Sprintf("arn:aws:iam::%s:role/ferry-promotion", account))})
	if err != nil {
		t.Fatalf("creating the state machine in moto: %v", err)
	}
	if got := aws.ToString(out.StateMachineArn); got != w.stateMachineARN {
		t.Fatalf("moto named the state machine %s, want %s", got, w.stateMachineARN)
	}
}

// fn returns the function named name.
func (w *world) fn(t *testing.T, name string) *rie {
	t.Helper()
	r, ok := w.funcs[name]
	if !ok {
		t.Fatalf("template.yaml deploys no function %s", name)
	}
	return r
}
