// Runs a Step Functions flow against the API at $SFN_ENDPOINT with the JavaScript
// SDK's client, unchanged, as an application would: credentials and region from
// the SDK's default chain. It creates a state machine whose task waits for a task
// token from the function $SFN_FUNCTION, starts executions, answers the token it
// reads from the history, and lists, describes and pages, including requests
// the API must refuse. It prints what each step answered as one JSON object (an
// error as its name and message) for the Go test that runs it to check; it exits 1
// only when the flow cannot go on.
import {
  SFNClient, CreateStateMachineCommand, DescribeStateMachineCommand, StartExecutionCommand,
  DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SendTaskSuccessCommand,
} from '@aws-sdk/client-sfn';

const client = new SFNClient({ endpoint: process.env.SFN_ENDPOINT, maxAttempts: 1 });
const role = 'arn:aws:iam::123456789012:role/js-flow';
const definition = JSON.stringify({
  StartAt: 'Ask',
  States: {
    Ask: {
      Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: process.env.SFN_FUNCTION, Payload: { 'id.$': '$.id', 'token.$': '$$.Task.Token' } },
      ResultPath: '$.answer', Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
});
const out = {};

// call sends a command and returns its output, or {error, message} when refused.
async function call(command) {
  try {
    return await client.send(command);
  } catch (e) {
    if (!e.$metadata) throw e; // not an answer of the API
    return { error: e.name, message: e.message, status: e.$metadata.httpStatusCode };
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// until asks fn again (at most 200 times) until it gives a value.
async function until(what, fn) {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(25);
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function history(executionArn, maxResults) {
  const events = [];
  let nextToken;
  do {
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults, nextToken }));
    events.push(...page.events);
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

try {
  const created = await client.send(new CreateStateMachineCommand({ name: 'js-flow', definition, roleArn: role }));
  const stateMachineArn = created.stateMachineArn;
  out.stateMachineArn = stateMachineArn;
  const desc = await client.send(new DescribeStateMachineCommand({ stateMachineArn }));
  out.describeStateMachine = { name: desc.name, type: desc.type, roleArn: desc.roleArn, status: desc.status };

  const start = (name, input) => call(new StartExecutionCommand({ stateMachineArn, name, input }));
  const first = await start('e1', '{"id": "e1"}');
  const executionArn = first.executionArn;
  out.start = { executionArn, hasStartDate: first.startDate instanceof Date };
  out.startSameInput = (await start('e1', '{"id": "e1"}')).executionArn;
  out.startOtherInput = (await start('e1', '{"id": "other"}')).error;
  out.startBadInput = (await start('e2', '{not json')).error;

  const token = await until('the task token', async () => {
    const scheduled = (await history(executionArn)).find((e) => e.type === 'TaskScheduled');
    return scheduled && JSON.parse(scheduled.taskScheduledEventDetails.parameters).Payload.token;
  });
  out.running = (await client.send(new DescribeExecutionCommand({ executionArn }))).status;
  out.sendTaskSuccess = (await call(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok": true}' }))).error ?? 'ok';
  out.sendTaskSuccessAgain = (await call(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).error;
  const done = await until('the end of the execution', async () => {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
  out.done = { status: done.status, output: done.output, hasStopDate: done.stopDate instanceof Date };
  out.startClosed = await start('e1', '{"id": "e1"}');

  const events = await history(executionArn, 2);
  out.history = events.map((e) => e.type);
  out.historyIds = events.map((e) => e.id);
  out.executionStartedRoleArn = events[0].executionStartedEventDetails?.roleArn;

  const list = (statusFilter, maxResults, nextToken) =>
    call(new ListExecutionsCommand({ stateMachineArn, statusFilter, maxResults, nextToken }));
  const names = (l) => l.executions?.map((e) => e.name);
  out.listSucceeded = names(await list('SUCCEEDED'));
  out.listRunning = names(await list('RUNNING'));
  out.listPendingRedrive = names(await list('PENDING_REDRIVE'));
  out.listBadStatus = await list('DONE');
  out.listBadMaxResults = await list(undefined, 1001);
  await start('e3', '{"id": "e3"}');
  const page1 = await list(undefined, 1);
  const page2 = await list(undefined, 1, page1.nextToken);
  out.pages = [names(page1), names(page2), page2.nextToken === undefined];
} catch (e) {
  console.error(`${e.name}: ${e.message}`);
  console.log(JSON.stringify(out));
  process.exit(1);
}
console.log(JSON.stringify(out));
