// Lists the state machines of the Step Functions API at $SFN_ENDPOINT with the
// JavaScript SDK's client as an application would use it: credentials and region
// from the SDK's default chain (the AWS_* environment variables). Prints the names
// one a line, or the error's name and message and exits 1. ferry local's tests run
// it to check its signature verification with this SDK.
import { SFNClient, ListStateMachinesCommand } from '@aws-sdk/client-sfn';

const client = new SFNClient({ endpoint: process.env.SFN_ENDPOINT, maxAttempts: 1 });
try {
  const out = await client.send(new ListStateMachinesCommand({}));
  for (const m of out.stateMachines) console.log(m.name);
} catch (e) {
  console.error(`${e.name}: ${e.message} (HTTP ${e.$metadata?.httpStatusCode})`);
  process.exit(1);
}
