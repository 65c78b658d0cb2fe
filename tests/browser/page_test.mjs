// page_test.mjs: the verifier's page in Debian's chromium, headless, driven by playwright-core
// (page.sh runs it against a real node; README.md there).
//
//     node page_test.mjs BASE CREDENTIAL ALTERED_CREDENTIAL OUT IRISH_BASE
//
// The browser's language is Portuguese, as the node's (Portugal): the page must open in it, and
// switch to English, and keep English when loaded again. IRISH_BASE is Ireland's node: there
// the page offers English and Irish, opens in Irish for a reader whose browser asks for it, and
// switches to English (page-ga.png). Every request must go to BASE (the page uses nothing from elsewhere), and
// no console error, page error or Content-Security-Policy violation may occur. Proof bundles
// are saved in OUT for page.sh to verify; screenshots too (page.png, matrix.png, verify.png).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const [base, credPath, alteredPath, out, irishBase] = process.argv.slice(2);
const require = createRequire(path.join(out, "package.json"));
const { chromium } = require("playwright-core");

const problems = [];
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`page_test: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let failed = false;
try {
  const context = await browser.newContext({
    locale: "pt-PT",
    viewport: { width: 1100, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(`${base}/`) && !u.startsWith("blob:") && !u.startsWith("data:"))
      problems.push(`request elsewhere: ${u}`);
  });

  // ---- Loaded, in the node's language ----
  await page.goto(`${base}/`);
  await page.waitForSelector("body[data-ready='1']");
  check(await page.getAttribute("html", "lang") === "pt", "the page opens in Portuguese (Accept-Language pt-PT)");
  check((await page.textContent("h1")).includes("Reconhecimento de microcredenciais"), "its title is Portuguese");
  check((await page.textContent("#node-country")).includes("PT"), "it names the node's country");
  check(await page.locator("#langs button").count() === 2, "two languages offered: English and Portuguese");

  // ---- Search ----
  await page.fill("#search-text", "digital");
  await page.click("#search-form button[type=submit]");
  const hit = page.locator("#hits button[data-spec='IE:uniz/mc-c012']");
  await hit.waitFor();
  check((await hit.textContent()).includes("Digital micro-credential creation"), "search finds Ireland's spec by its title");
  check((await page.textContent("#search-status")).includes("microcredencia"), "the hit count is Portuguese");

  // ---- Matrix ----
  await hit.click();
  await page.waitForSelector("#map .tile[data-country='FR']");
  check(await page.locator("#map .tile").count() === 30, "the tile map has the 30 countries");
  check(await page.getAttribute("#map .tile[data-country='FR']", "data-class") === "partial",
    "France's tile: partial recognition (its decision)");
  check(await page.locator("#map .tile.absent").count() === 25,
    "25 tiles have no authority in this network (5 nodes)");
  const fr = page.locator("#map .tile[data-country='FR']");
  check((await fr.getAttribute("title")).includes("Reconhecimento parcial"), "France's tile names its outcome on hover");
  await fr.hover();
  await page.waitForSelector("#terms dl.terms");
  await fr.click();
  let terms = await page.textContent("#terms");
  check(terms.includes("Reconhecimento parcial") && terms.includes("1,5 ECTS") && terms.includes("nível 6 do QEQ"),
    "France's terms: partial, 1.5 ECTS, EQF 6 (numbers as Portuguese writes them)");
  check(terms.includes("workload") && terms.includes("appeal goes to the recognition office"),
    "France's terms: the substantial difference and the appeal route");
  check(terms.includes("janeiro de 2025"), "France's terms: the validity, dated in Portuguese");
  // English by the switch, the matrix kept.
  await page.click("#langs button[data-lang='en']");
  check(await page.getAttribute("html", "lang") === "en", "the switch turns the page to English");
  terms = await page.textContent("#terms");
  check(terms.includes("Partial recognition") && terms.includes("Appeal") && terms.includes("1.5 ECTS") &&
    terms.includes("January 1, 2025"), "France's terms, in English");
  await page.selectOption("#matrix-purpose", "employment");
  check(await page.getAttribute("#map .tile[data-country='FR']", "data-class") === "none",
    "for employment, France has no decision");
  await page.selectOption("#matrix-purpose", "further_study");
  await page.click("#map .tile[data-country='FR']");
  await page.locator("#matrix-section").screenshot({ path: path.join(out, "matrix.png") });

  async function download(locator, name) {
    const [d] = await Promise.all([page.waitForEvent("download"), locator.click()]);
    await d.saveAs(path.join(out, name));
    check(true, `downloaded ${name}`);
  }
  await download(page.locator("#terms a.button"), "recognise-FR.proof");

  // ---- Verify: a dropped credential ----
  async function drop(file) {
    const bytes = [...readFileSync(file)];
    const dt = await page.evaluateHandle(({ bytes, name }) => {
      const d = new DataTransfer();
      d.items.add(new File([new Uint8Array(bytes)], name, { type: "application/octet-stream" }));
      return d;
    }, { bytes, name: path.basename(file) });
    await page.dispatchEvent("#drop", "dragover", { dataTransfer: dt });
    await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
  }
  await page.selectOption("#verify-country", "FR");
  await page.selectOption("#verify-purpose", "further_study");
  await drop(alteredPath);
  await page.waitForSelector("#verdict .verdict[data-ok='false']");
  check((await page.textContent("#verdict")).includes("does not verify"),
    "an altered credential: its signature does not verify, and the page says so");
  await drop(credPath);
  await page.waitForSelector("#verdict .verdict[data-ok='true']");
  const verdict = await page.textContent("#verdict");
  check(verdict.includes("Valid, and recognised by France (FR)"), "the credential: valid and recognised by France");
  check(verdict.includes("IE:uniz/mc-c012") && verdict.includes("Pass") && verdict.includes("verifies"),
    "the credential's spec, grade and signature are shown");
  check(verdict.includes("Partial recognition") && verdict.includes("1.5 ECTS"), "with France's terms");
  await page.locator("#verify-section").screenshot({ path: path.join(out, "verify.png") });
  await download(page.locator("#verdict button"), "verify-FR.proof");

  // Portuguese again, with the verdict in it.
  await page.click("#langs button[data-lang='pt']");
  check((await page.textContent("#verdict")).includes("Válida e reconhecida – país: França (FR)"), "the verdict in Portuguese");
  await page.click("#langs button[data-lang='en']");
  await page.screenshot({ path: path.join(out, "page.png"), fullPage: true });
  // The reader's choice is kept: loaded again, the page stays in English.
  await page.reload();
  await page.waitForSelector("body[data-ready='1']");
  check(await page.getAttribute("html", "lang") === "en", "loaded again, the page keeps the reader's English");

  // ---- Ireland's node: English and Irish ----
  if (irishBase) {
    const ga = await browser.newContext({ locale: "ga-IE", viewport: { width: 1100, height: 900 } });
    const gp = await ga.newPage();
    gp.setDefaultTimeout(15000);
    gp.on("console", (m) => { if (m.type() === "error") problems.push(`console (IE): ${m.text()}`); });
    gp.on("pageerror", (e) => problems.push(`page error (IE): ${e.message}`));
    gp.on("request", (r) => {
      if (!r.url().startsWith(`${irishBase}/`)) problems.push(`request elsewhere (IE): ${r.url()}`);
    });
    await gp.goto(`${irishBase}/`);
    await gp.waitForSelector("body[data-ready='1']");
    const offered = await gp.locator("#langs button").evaluateAll((bs) => bs.map((b) => b.dataset.lang));
    check(JSON.stringify(offered) === '["en","ga"]', "Ireland's node offers English and Irish");
    check(await gp.getAttribute("html", "lang") === "ga", "the page opens in Irish (Accept-Language ga-IE)");
    check((await gp.textContent("#node-country")).trim() !== "IE (IE)", "Ireland is named, not only coded");
    const h1ga = await gp.textContent("h1");
    check(h1ga.includes("Aitheantas") && (await gp.textContent("#search-section h2")).includes("Aimsigh"),
      "its title and headings are Irish");
    await gp.fill("#search-text", "digital");
    await gp.click("#search-form button[type=submit]");
    await gp.locator("#hits button[data-spec='IE:uniz/mc-c012']").waitFor();
    check((await gp.textContent("#search-status")).includes("icridhintiúr"), "the hit count is Irish");
    await gp.screenshot({ path: path.join(out, "page-ga.png"), fullPage: true });
    await gp.click("#langs button[data-lang='en']");
    check(await gp.getAttribute("html", "lang") === "en" &&
      (await gp.textContent("h1")).includes("Recognition of micro-credentials") &&
      (await gp.textContent("#search-status")).includes("micro-credential"),
      "the switch turns Ireland's page to English");
    await ga.close();
  }
  check(problems.length === 0, `no console error, page error or request elsewhere${problems.length ? `: ${problems.join("; ")}` : ""}`);
} catch (e) {
  failed = true;
  console.error(`page_test: ${e.message}`);
  for (const p of problems) console.error(`page_test: ${p}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
