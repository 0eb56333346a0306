// Signing in with the team's OpenID provider: a real authorization code flow
// with PKCE against zitadel/oidc's example provider (started by browser_test.go;
// FERRY_OIDC_ISSUER, FERRY_OIDC_USER, FERRY_OIDC_PASSWORD, FERRY_OIDC_SUBJECT,
// and FERRY_OIDC_EXPIRED, an ID token of it that expired), deciding as that
// identity, and "Signed out" when the session ends, back to the same view.
import assert from 'node:assert/strict';
import { base, api, until, open, shot, axe, waitForState } from './lib.mjs';

const issuer = process.env.FERRY_OIDC_ISSUER;
const subject = process.env.FERRY_OIDC_SUBJECT;
const providerButton = 'Sign in with ' + new URL(issuer).host;

// atProvider signs in on the provider's login page and waits to be back.
async function atProvider(page, shotName) {
  await page.waitForURL((u) => u.href.startsWith(issuer + '/'));
  await page.fill('#username', process.env.FERRY_OIDC_USER);
  await page.fill('#password', process.env.FERRY_OIDC_PASSWORD);
  if (shotName) await shot(page, shotName);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.href.startsWith(base + '/'));
  await page.getByText('Signed in as ' + subject).waitFor();
}

// calm are the problems a scenario expects: the page reaches the provider,
// which is the one origin besides its own it may talk to.
function calm(problems) {
  return problems.filter((p) => !p.startsWith('third-party request: ' + issuer + '/'));
}

// signInState is what the tab keeps of a sign-in.
function signInState(page) {
  return page.evaluate(() => ({ pending: sessionStorage.getItem('ferry.signin'), token: sessionStorage.getItem('ferry.token') }));
}

export const scenarios = {
  async 'sign in with the OpenID provider, approve as that identity, sign in again when the session ends'() {
    await api('admin', 'PUT', '/environments/qa-oidc', { policy: { approval: 'always', approvers: ['group:reviewers'] } });
    const rel = await api('ci', 'POST', '/releases', { name: 'v-oidc', nodes: [{ name: 'orders', kind: 'model' }] });
    const p = await api('ci', 'POST', '/promotions', { environment: 'qa-oidc', release_id: rel.id });
    const { page, context, problems } = await open();
    const res = await page.goto(`${base}/#/promotions/${p.id}`);
    assert.match(res.headers()['content-security-policy'], new RegExp(`connect-src 'self' ${issuer};`));
    await page.getByRole('button', { name: providerButton }).waitFor();
    assert.equal(await page.locator('#token').count(), 1, 'the paste-a-token form stays, for ferry local’s printed tokens');
    await axe(page, 'sign-in');
    await shot(page, 'oidc-sign-in');
    const asked = page.waitForRequest((r) => r.url().startsWith(issuer + '/') && new URL(r.url()).searchParams.has('code_challenge'));
    await page.getByRole('button', { name: providerButton }).click();
    const authorize = new URL((await asked).url());
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('redirect_uri'), base + '/');
    for (const param of ['state', 'nonce', 'code_challenge']) assert.ok(authorize.searchParams.get(param), param);
    await atProvider(page, 'oidc-provider');
    const back = new URL(page.url());
    assert.equal(back.search, '', 'the code and state stay in the address bar');
    assert.equal(back.hash, `#/promotions/${p.id}`, 'the sign-in came back elsewhere');
    const kept = await signInState(page);
    assert.equal(kept.pending, null, 'the PKCE verifier outlived the sign-in');
    const claims = JSON.parse(Buffer.from(kept.token.split('.')[1], 'base64url').toString());
    assert.equal(claims.iss, issuer, 'the bearer token is not the provider\'s ID token');
    assert.ok(claims.nonce, 'the ID token carries no nonce');
    await until('the approval', async () => {
      await page.reload();
      return (await page.locator('#approve').count()) > 0;
    });
    await page.click('#approve');
    await page.click('#confirm');
    await page.getByText('Your approval is recorded.').waitFor();
    await waitForState(page, 'SUCCEEDED');
    await page.getByText(`approved by ${subject}`).first().waitFor();
    await shot(page, 'oidc-signed-in');

    // The session ends while the page is in use: the next call is refused.
    await page.evaluate(() => {
      const [header, claims] = sessionStorage.getItem('ferry.token').split('.');
      sessionStorage.setItem('ferry.token', `${header}.${claims}.bm90LXRoZS1zaWduYXR1cmU`);
    });
    await page.getByRole('link', { name: 'Environments' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await page.getByText('Your session ended. Sign in again.').waitFor();
    await page.getByText('signature does not verify', { exact: false }).waitFor();
    assert.equal((await signInState(page)).token, null, 'the refused token is still kept');
    assert.equal(await page.locator('#who').textContent(), '', 'the page still says who is signed in');
    await axe(page, 'signed out');
    await shot(page, 'oidc-signed-out');
    await page.getByRole('button', { name: providerButton }).click();
    await atProvider(page);
    assert.equal(new URL(page.url()).hash, '#/environments', 'signing in again did not come back to the view');
    await page.locator('main h1').getByText('Environments').waitFor();
    assert.deepEqual(calm(problems), []);
    await context.close();
  },

  async 'on a phone: an expired session says so, and signing in again returns to the view'() {
    const { page, context, problems } = await open({ width: 390, height: 844 });
    await page.goto(base + '/');
    await page.evaluate((token) => sessionStorage.setItem('ferry.token', token), process.env.FERRY_OIDC_EXPIRED);
    await page.goto(base + '/#/environments/staging');
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await page.getByText('the token expired at', { exact: false }).waitFor();
    await axe(page, 'signed out, phone');
    await shot(page, 'oidc-signed-out-phone');
    await page.getByRole('button', { name: providerButton }).click();
    await atProvider(page);
    assert.equal(new URL(page.url()).hash, '#/environments/staging');
    await page.locator('main h1').getByText('staging').waitFor();
    await shot(page, 'oidc-signed-in-phone');
    assert.deepEqual(calm(problems), []);
    await context.close();
  },

  async 'a sign-in answer this tab did not ask for is refused'() {
    const { page, context, problems } = await open();
    await page.goto(`${base}/?code=stolen&state=forged#/environments`);
    await page.getByText('That sign-in was not started in this tab').waitFor();
    assert.equal(new URL(page.url()).search, '', 'the forged code stays in the address bar');
    assert.equal((await signInState(page)).token, null);
    assert.deepEqual(calm(problems), []);
    await context.close();
  },
};
