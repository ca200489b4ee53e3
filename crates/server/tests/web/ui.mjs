// End-to-end tests of the web UI in a real browser: Debian's Chromium driven by
// playwright-core. Started by `tests/web_ui.rs`, which runs the server and passes:
//   BASE_URL, EMAIL, PASSWORD, TOTP_SECRET, SCREENSHOTS (a directory), CHROMIUM (a path),
//   MAIL_DIR (where the test's SMTP server saves each message it receives as NNNN.eml).
// Prints one line per step; exits non-zero on the first failure.
import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const BASE = env("BASE_URL");
const SHOTS = env("SCREENSHOTS");
mkdirSync(SHOTS, { recursive: true });

// RFC 6238 with the server's parameters: SHA-1, 6 digits, 30-second steps.
function totp(secretB32, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secretB32.replace(/=+$/, "").toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error("bad base32 secret");
    bits += v.toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const off = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, "0");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const step30 = (at = Date.now()) => Math.floor(at / 1000 / 30);

// A TOTP code from a later time step than `used` (a step is accepted once).
async function freshTotp(secretB32, used) {
  while (step30() <= used) await sleep(500);
  return { code: totp(secretB32), step: step30() };
}

// The body of the `n`th message (1-based) the SMTP server received for `to`, waiting
// for it to arrive; quoted-printable and base64 bodies are decoded.
async function mailTo(to, n) {
  const dir = env("MAIL_DIR");
  for (let i = 0; i < 300; i++) {
    let files = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith(".eml")).sort();
    } catch {}
    const mails = files
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .filter((m) => m.includes(`X-Envelope-To: ${to}\r\n`));
    if (mails.length >= n) {
      const raw = mails[n - 1];
      const cut = raw.indexOf("\r\n\r\n");
      const head = raw.slice(0, cut);
      let body = raw.slice(cut + 4);
      if (/^Content-Transfer-Encoding:\s*quoted-printable/im.test(head)) {
        body = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      } else if (/^Content-Transfer-Encoding:\s*base64/im.test(head)) {
        body = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
      }
      return body;
    }
    await sleep(100);
  }
  throw new Error(`no message ${n} to ${to} arrived`);
}

function linkIn(body, path) {
  const m = body.match(new RegExp(`https?://\\S+${path}[A-Za-z0-9_-]+`));
  check(m, `the mail holds a ${path} link: ${body}`);
  return m[0];
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

const step = (name) => console.log(`step: ${name}`);

const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  headless: true,
  args: ["--no-sandbox"],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // The CSP must never be violated: any blocked script, style or fetch is a failure.
  const problems = [];
  page.on("console", (m) => {
    // Error statuses are part of the scenarios (a wrong password is a 401); anything else
    // logged as an error, such as "Refused to execute ... Content Security Policy", is not.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));

  // Every page is photographed at desktop width and at 375 px (a phone).
  const phone = await (await browser.newContext({ viewport: { width: 375, height: 812 } })).newPage();
  const shots = [];
  async function shoot(name) {
    await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
    const cookies = await context.cookies();
    await phone.context().addCookies(cookies);
    await phone.goto(page.url());
    await phone.screenshot({ path: join(SHOTS, `${name}-375.png`), fullPage: true });
    // Nothing may force sideways scrolling at phone width.
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `${name} fits 375px (overflows by ${overflow}px)`);
    shots.push(name);
  }

  step("login page, wrong password");
  await page.goto(BASE + "/");
  check(page.url().includes("/login"), "the root sends a stranger to the login page");
  await page.screenshot({ path: join(SHOTS, "login-desktop.png"), fullPage: true });
  await phone.goto(page.url());
  await phone.screenshot({ path: join(SHOTS, "login-375.png"), fullPage: true });
  await page.fill("#email", env("EMAIL"));
  await page.fill("#password", "not the password");
  await page.click("button[type=submit]");
  check((await page.textContent("[role=alert]")).includes("do not match"), "wrong password is explained");
  await shoot("login-error");

  step("login with password and TOTP");
  await page.fill("#email", env("EMAIL"));
  await page.fill("#password", env("PASSWORD"));
  await page.click("button[type=submit]");
  await page.waitForSelector("#code");
  await shoot("login-totp");
  await page.fill("#code", totp(env("TOTP_SECRET")));
  await page.click("button[type=submit]");
  await page.waitForURL(/\/w\/demo$/);
  check((await page.textContent("h1")).includes("Dashboard"), "lands on the dashboard");
  check((await page.locator("svg.chart").count()) >= 3, "dashboard charts are inline SVG");
  await shoot("dashboard");

  step("upload evidence for an overdue obligation and see it met");
  await page.goto(BASE + "/w/demo/obligations?status=overdue&kind=evidence");
  await shoot("obligations");
  const first = page.locator("#obligations tbody tr").first();
  check((await first.count()) === 1, "the demo has an overdue evidence obligation");
  const obligationId = await first.getAttribute("data-obligation");
  await first.locator("a").first().click();
  await page.waitForSelector("#obligation-status");
  check((await page.textContent("#obligation-status")).trim() === "overdue", "it starts overdue");
  const obligationUrl = page.url();
  await shoot("obligation");
  await page.click("#upload-for-obligation");
  await page.waitForSelector("#upload-form");
  await shoot("evidence");
  // Drop a file on the drop zone, as a person would drag one from the desktop.
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(["Q4 access review, signed off by the CISO\n"], "access-review.txt", { type: "text/plain" }));
    document.querySelector("[data-drop]").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  check((await page.textContent("[data-file-name]")).includes("access-review.txt"), "the dropped file is chosen");
  await page.fill("#note", "Quarterly access review sign-off");
  await page.click("#upload-form button[type=submit]");
  await page.waitForSelector("[role=status].notice");
  check(page.url().includes("/w/demo/evidence/"), "upload leads to the evidence item");
  const evidenceUrl = page.url();
  await page.goto(obligationUrl);
  const after = (await page.textContent("#obligation-status")).trim();
  check(after === "met", `obligation ${obligationId} is met after the upload (is ${after})`);

  step("verify the inclusion proof in the browser");
  await page.goto(evidenceUrl);
  await page.click("#verify");
  await page.waitForSelector("#verify-result[data-verified]");
  const verdict = await page.textContent("#verify-result");
  check((await page.getAttribute("#verify-result", "data-verified")) === "true", `proof verifies: ${verdict}`);
  check(verdict.includes("Verified against checkpoint"), "says which checkpoint");
  await shoot("evidence-item");
  // A tampered proof must fail: the same check against a proof with one hash flipped.
  const tampered = await page.evaluate(async (url) => {
    const p = await (await fetch(url)).json();
    const h = p.proof.length ? p.proof[0] : p.leaf_hash;
    const flipped = (h[0] === "0" ? "1" : "0") + h.slice(1);
    if (p.proof.length) p.proof[0] = flipped; else p.leaf_hash = flipped;
    return JSON.stringify(p);
  }, await page.getAttribute("#verify", "data-proof"));
  await page.route("**/ledger/proofs/*", (route) => route.fulfill({ status: 200, contentType: "application/json", body: tampered }));
  await page.click("#verify");
  await page.waitForFunction(() => document.querySelector("#verify-result").dataset.verified === "false");
  check((await page.textContent("#verify-result")).includes("Verification failed"), "a tampered proof is rejected");
  await page.unroute("**/ledger/proofs/*");

  step("triage a finding");
  await page.goto(BASE + "/w/demo/findings?status=open");
  await shoot("findings");
  await page.locator("#findings tbody tr a").first().click();
  await page.waitForSelector("#finding-status");
  check((await page.textContent("#finding-status")).trim() === "open", "the finding starts open");
  await shoot("finding");
  await page.selectOption("#t-status", "not_affected");
  check(await page.isVisible("#t-just"), "the VEX justification shows for not_affected");
  check(!(await page.isVisible("#t-approver")), "risk acceptance fields hide for not_affected");
  await page.selectOption("#t-just", "vulnerable_code_not_in_execute_path");
  await page.fill("#t-note", "The vulnerable function is never called");
  await page.click("form[data-triage] button[type=submit]");
  await page.waitForSelector("[role=status].notice");
  check((await page.textContent("#finding-status")).trim() === "not_affected", "the finding is not_affected");
  // Risk acceptance without an approver is refused with a clear message.
  await page.selectOption("#t-status", "risk_accepted");
  await page.fill("#t-reason", "Compensating WAF rule");
  await page.click("form[data-triage] button[type=submit]");
  await page.waitForSelector("#triage-error");
  await shoot("finding-triage-error");

  step("switch deployment models in the matrix");
  await page.goto(BASE + "/w/demo/program");
  const owners = async () => page.locator("[data-owner]").allTextContents();
  const firstModel = await owners();
  await shoot("program");
  const tabs = page.locator("nav.tabs a");
  check((await tabs.count()) >= 2, "the program has two deployment models");
  await tabs.nth(1).click();
  await page.waitForURL(/model=/);
  check((await tabs.nth(1).getAttribute("aria-current")) === "page", "the chosen model is marked current");
  const secondModel = await owners();
  check(JSON.stringify(firstModel) !== JSON.stringify(secondModel), "ownership differs between models");
  await shoot("program-model-2");

  step("every other page");
  await page.goto(BASE + "/w/demo/obligations?view=calendar");
  check((await page.locator("table.calendar").count()) === 1, "calendar view");
  await shoot("obligations-calendar");
  await page.goto(BASE + "/w/demo/ledger");
  await page.click("#consistency-form button[type=submit]");
  await page.waitForSelector("#consistency-result");
  check((await page.textContent("#consistency-result")).includes("extends"), "consistency between checkpoints");
  await shoot("ledger");
  await page.goto(BASE + "/w/demo/documents");
  await shoot("documents");
  await page.locator("#documents tbody a").first().click();
  await page.waitForSelector("#document-preview");
  await shoot("document");
  await page.goto(BASE + "/w/demo/settings");
  await page.fill("#t-name", "ci-upload");
  await page.selectOption("#t-scope", "write");
  await page.click("#token-form button[type=submit]");
  await page.waitForSelector("#token-secret");
  check((await page.textContent("#token-secret")).startsWith("cov_"), "a new token is shown once");
  await shoot("settings");
  await page.goto(BASE + "/account");
  await shoot("account");

  step("invite a new auditor by email from the settings page");
  const AUDITOR = "auditor@demo.test";
  await page.goto(BASE + "/w/demo/settings");
  await page.fill("#m-email", AUDITOR);
  await page.selectOption("#m-role", "auditor");
  await page.click("#invite-form button[type=submit]");
  await page.waitForSelector("[role=status].notice");
  check((await page.textContent("[role=status].notice")).includes(`Invitation sent to ${AUDITOR}`), "the invitation is confirmed");
  check((await page.textContent("#invitations")).includes(AUDITOR), "the invitation is listed as pending");
  await shoot("settings-invited");

  step("foreign workspaces answer 404 with a page");
  const res = await page.goto(BASE + "/w/another-workspace/findings");
  check(res.status() === 404, "a foreign workspace is 404");
  check((await page.textContent("h1")).includes("Not found"), "the 404 is a page");
  await shoot("not-found");

  step("keyboard: the skip link is the first stop");
  await page.goto(BASE + "/w/demo");
  await page.keyboard.press("Tab");
  check((await page.evaluate(() => document.activeElement.textContent)).includes("Skip to content"), "skip link first");

  step("sign out");
  await page.click(".who button");
  await page.waitForURL(/\/login/);

  step("a viewer enrols TOTP with the QR code and may not read evidence");
  await page.goto(BASE + "/login");
  await page.fill("#email", env("VIEWER_EMAIL"));
  await page.fill("#password", env("VIEWER_PASSWORD"));
  await page.click("button[type=submit]");
  await page.waitForURL(/\/w\/demo$/);
  const denied = await page.goto(BASE + "/w/demo/evidence");
  check(denied.status() === 403, "a viewer may not read evidence");
  await shoot("forbidden");
  await page.goto(BASE + "/account");
  await page.click("text=Set up an authenticator app");
  await page.waitForSelector(".qr svg");
  await shoot("account-enrol");
  const secret = (await page.textContent("#totp-secret")).trim();
  await page.fill("#code", "000000" === totp(secret) ? "111111" : "000000");
  await page.click("form[action='/account/totp/confirm'] button");
  await page.waitForSelector("[role=alert]");
  await page.fill("#code", totp(secret));
  await page.click("form[action='/account/totp/confirm'] button");
  await page.waitForSelector("#recovery-codes");
  check((await page.textContent("#recovery-codes")).trim().split("\n").length >= 8, "recovery codes are shown");
  await page.screenshot({ path: join(SHOTS, "account-recovery-desktop.png"), fullPage: true });

  step("the invited auditor accepts from the emailed link, sets a password and enrols TOTP");
  await page.click(".who button");
  await page.waitForURL(/\/login/);
  const invitation = await mailTo(AUDITOR, 1);
  const inviteUrl = linkIn(invitation, "/invite/");
  check(inviteUrl.startsWith(BASE + "/invite/"), `the link points at this server: ${inviteUrl}`);
  await page.goto(inviteUrl);
  check((await page.textContent("#invite-role")).trim() === "auditor", "the page names the role");
  await shoot("invite");
  await page.fill("#invite-name", "Ada Auditor");
  await page.fill("#invite-password", "password1234");
  await page.click("#invite-accept button[type=submit]");
  await page.waitForSelector("#invite-error");
  check((await page.textContent("#invite-error")).includes("too easy to guess"), "a guessable password is refused");
  const AUDITOR_PASSWORD = "quartz heron ledger meadow";
  await page.fill("#invite-password", AUDITOR_PASSWORD);
  await page.click("#invite-accept button[type=submit]");
  // The demo workspace asks every member for a second factor: enrol it first.
  await page.waitForURL(/\/account$/);
  await page.click("text=Set up an authenticator app");
  await page.waitForSelector(".qr svg");
  const auditorSecret = (await page.textContent("#totp-secret")).trim();
  const enrolled = step30();
  await page.fill("#code", totp(auditorSecret));
  await page.click("form[action='/account/totp/confirm'] button");
  await page.waitForSelector("#recovery-codes");
  const recovery = (await page.textContent("#recovery-codes")).trim().split("\n").map((c) => c.trim());
  check(recovery.length >= 8, "recovery codes are shown");
  const reused = await page.goto(inviteUrl);
  check(reused.status() === 404, "the invitation link works once");
  await page.goto(BASE + "/account");

  step("the auditor signs in with TOTP and sees the workspace read-only");
  await page.click(".who button");
  await page.waitForURL(/\/login/);
  await page.fill("#email", AUDITOR);
  await page.fill("#password", AUDITOR_PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForSelector("#code");
  const { code: auditorCode } = await freshTotp(auditorSecret, enrolled);
  await page.fill("#code", auditorCode);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/w\/demo$/);
  check((await page.textContent("h1")).includes("Dashboard"), "the auditor lands on the dashboard");
  const ev = await page.goto(BASE + "/w/demo/evidence");
  check(ev.status() === 200, "an auditor reads evidence");
  check((await page.locator("#upload-form").count()) === 0, "but has no upload form");
  await page.goto(BASE + "/w/demo/findings");
  await page.locator("#findings tbody tr a").first().click();
  await page.waitForSelector("#finding-status");
  check((await page.locator("form[data-triage]").count()) === 0, "and no triage form");
  await page.goto(BASE + "/w/demo/settings");
  check((await page.locator("#invite-form").count()) === 0, "and cannot invite");
  await shoot("auditor-settings");

  step("the auditor resets the password by email; the second factor is still asked");
  await page.click(".who button");
  await page.waitForURL(/\/login/);
  await page.click("#forgot");
  await page.waitForSelector("#reset-request");
  await shoot("reset-request");
  await page.fill("#reset-email", AUDITOR);
  await page.click("#reset-request button[type=submit]");
  await page.waitForSelector("#reset-requested");
  const resetMail = await mailTo(AUDITOR, 2);
  const resetUrl = linkIn(resetMail, "/reset/");
  await page.goto(resetUrl);
  await page.waitForSelector("#reset-set");
  await shoot("reset-choose");
  const NEW_PASSWORD = "saffron glacier tandem orbit";
  await page.fill("#reset-password", NEW_PASSWORD);
  await page.click("#reset-set button[type=submit]");
  await page.waitForSelector("#reset-done");
  const spent = await page.goto(resetUrl);
  check(spent.status() === 404, "the reset link works once");
  await page.goto(BASE + "/login");
  await page.fill("#email", AUDITOR);
  await page.fill("#password", AUDITOR_PASSWORD);
  await page.click("button[type=submit]");
  check((await page.textContent("[role=alert]")).includes("do not match"), "the old password no longer works");
  await page.fill("#email", AUDITOR);
  await page.fill("#password", NEW_PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForSelector("#code");
  await page.click("details summary");
  await page.fill("#recovery_code", recovery[0]);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/w\/demo$/);
  check((await page.textContent("h1")).includes("Dashboard"), "signed in with the new password and a second factor");

  check(problems.length === 0, `no console errors or CSP violations: ${problems.join(" | ")}`);
  console.log(`screenshots: ${shots.length * 2 + 2} files in ${SHOTS}`);
  console.log("ok");
} catch (e) {
  failed = true;
  console.error(e && e.stack ? e.stack : String(e));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
