// Runs the page's browser scenarios, run by site/browser_test.go against
// `ferry local --demo` in Debian's chromium through playwright-core (see lib.mjs
// for the environment). Each module exports its scenarios by name; they run one
// after another. The last line says how many there were, so the Go test can
// tell a scenario that did not run from one that passed.
import { browser } from './lib.mjs';

const all = ['approval.mjs', 'oidc.mjs', 'promotion.mjs', 'plan.mjs', 'board.mjs', 'details.mjs'];
// FERRY_SCENARIOS=plan.mjs,board.mjs runs some modules only (while working on them).
const only = (process.env.FERRY_SCENARIOS || '').split(',').filter(Boolean);
const modules = only.length ? all.filter((m) => only.includes(m)) : all;

let failed = 0;
let count = 0;
for (const file of modules) {
  const { scenarios } = await import('./' + file);
  for (const [name, run] of Object.entries(scenarios)) {
    count++;
    const start = Date.now();
    try {
      await run();
      console.log(`ok   ${file}: ${name} (${Date.now() - start} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${file}: ${name}: ${e.stack || e}`);
    }
  }
}
await browser.close();
console.log(`scenarios: ${count}`);
process.exit(failed ? 1 : 0);
