"""moto's server with its Step Functions interpreter, calling Lambda functions
that run under aws-lambda-rie.

    FERRY_LAMBDA_ROUTES='{"<function ARN>": "http://127.0.0.1:PORT"}' \
        python3 moto_harness.py PORT

It patches moto 5.2 in four places, in this process only, and nothing else:

1. moto.core.config.default_user_config["stepfunctions"]["execute_state_machine"]
   is set to True. Without it moto records executions but runs no state: the
   interpreter (moto/stepfunctions/parser, a port of LocalStack's) is used only
   when this setting is on.

2. lambda_eval_utils._invoke_lambda_function, which the interpreter calls for
   "arn:aws:states:::lambda:invoke" and its .waitForTaskToken form, is replaced.
   moto's own sends the call to moto's Lambda, which runs functions in Docker
   containers; there is no Docker here, and the point is to run Ferry's own
   binaries under the official runtime interface emulator. The replacement posts
   the Payload to the RIE of the function the FunctionName names (the routes map
   function ARNs to RIE addresses) and answers as Lambda's Invoke does: status
   200, the payload, and FunctionError "Unhandled" when the function failed.
   RIE does not send Lambda's X-Amz-Function-Error header, so a failure is told
   by its body, the {"errorMessage", "errorType"} object the runtime reports.
   One RIE runs one invocation at a time, as one Lambda execution environment
   does, so calls to the same function wait for each other. A function name with
   no route fails as Lambda's ResourceNotFoundException would.

3. StateMachineInstance gets a __deepcopy__ that leaves out its executions. The
   interpreter's start_execution deep-copies the state machine for the new
   execution, with the list of its executions; once one of those runs, it holds
   a thread lock, which cannot be copied, and every later StartExecution fails
   with "cannot pickle '_thread.RLock' object". The copy is the new execution's
   own view of the definition and never needs the others.

4. The interpreter's Execution.stop also sets the execution ABORTED at once.
   moto's only tells the interpreter to stop, and a state waiting for a task
   token (Ferry's WaitForTaskToken) sees that only when its wait ends, at its
   timeout: until then DescribeExecution answers RUNNING, where AWS answers
   ABORTED as soon as StopExecution returns. Ferry's cancel and its cleanup rely
   on AWS's behaviour.
"""

import copy
import json
import os
import sys
import threading
import urllib.request

from botocore.exceptions import ClientError
from moto import server
from moto.core.config import default_user_config
from moto.stepfunctions.models import StateMachineInstance
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.backend.execution import Execution
from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
    lambda_eval_utils,
)

ROUTES = json.loads(os.environ["FERRY_LAMBDA_ROUTES"])
LOCKS = {arn: threading.Lock() for arn in ROUTES}
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
# Longer than the longest function timeout in template.yaml: RIE ends the
# invocation at the function's own timeout first.
HTTP_TIMEOUT = 330
ERROR_KEYS = {"errorMessage", "errorType", "stackTrace"}


def invoke_rie(parameters, region, state_credentials):
    name = parameters["FunctionName"]
    if name not in ROUTES:
        raise ClientError(
            {
                "Error": {
                    "Code": "ResourceNotFoundException",
                    "Message": "Function not found: " + name,
                },
                "ResponseMetadata": {"HTTPStatusCode": 404, "RequestId": "moto-harness"},
            },
            "Invoke",
        )
    payload = parameters.get("Payload") or b"{}"
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    request = urllib.request.Request(
        ROUTES[name] + INVOKE_PATH, data=payload, method="POST"
    )
    with LOCKS[name]:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            body = response.read().decode("utf-8")
    try:
        result = json.loads(body)
    except json.JSONDecodeError:
        result = body
    answer = {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": result}
    if isinstance(result, dict) and "errorType" in result and set(result) <= ERROR_KEYS:
        answer["FunctionError"] = "Unhandled"
    return answer


def deepcopy_without_executions(self, memo):
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    for key, value in self.__dict__.items():
        setattr(clone, key, [] if key == "executions" else copy.deepcopy(value, memo))
    return clone


STOP = Execution.stop


def stop_at_once(self, stop_date, error, cause):
    STOP(self, stop_date=stop_date, error=error, cause=cause)
    if self.exec_status == ExecutionStatus.RUNNING:
        self.exec_status = ExecutionStatus.ABORTED
        self.stop_date = stop_date


def main():
    if not hasattr(lambda_eval_utils, "_invoke_lambda_function"):
        sys.exit(
            "moto_harness: this moto has no lambda_eval_utils._invoke_lambda_function "
            "to patch; it was written for moto 5.2"
        )
    default_user_config["stepfunctions"]["execute_state_machine"] = True
    lambda_eval_utils._invoke_lambda_function = invoke_rie
    StateMachineInstance.__deepcopy__ = deepcopy_without_executions
    Execution.stop = stop_at_once
    server.main(["--host", "127.0.0.1", "--port", sys.argv[1]])


if __name__ == "__main__":
    main()
