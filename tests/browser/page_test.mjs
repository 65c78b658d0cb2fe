// page_test.mjs: the verifier's page in Debian's chromium, headless, driven by playwright-core
// (page.sh runs it against a real node; README.md there).
//
//     node page_test.mjs BASE CREDENTIAL ALTERED_CREDENTIAL OUT
//
// The browser's language is Portuguese, as the node's (Portugal): the page must open in it, and
// switch to English. Every request must go to BASE (the page uses nothing from elsewhere), and
// no console error, page error or Content-Security-Policy violation may occur. Proof bundles
// are saved in OUT for page.sh to verify; screenshots too (page.png, matrix.png, verify.png).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const [base, credPath, alteredPath, out] = process.argv.slice(2);
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
  check(terms.includes("Reconhecimento parcial") && terms.includes("1.5 ECTS") && terms.includes("QEQ 6"),
    "France's terms: partial, 1.5 ECTS, EQF 6");
  check(terms.includes("workload") && terms.includes("appeal goes to the recognition office"),
    "France's terms: the substantial difference and the appeal route");
  check(terms.includes("2025-01-01"), "France's terms: the validity");
  // English by the switch, the matrix kept.
  await page.click("#langs button[data-lang='en']");
  check(await page.getAttribute("html", "lang") === "en", "the switch turns the page to English");
  terms = await page.textContent("#terms");
  check(terms.includes("Partial recognition") && terms.includes("Appeal"), "France's terms, in English");
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
  check((await page.textContent("#verdict")).includes("Válida e reconhecida por"), "the verdict in Portuguese");
  await page.click("#langs button[data-lang='en']");
  await page.screenshot({ path: path.join(out, "page.png"), fullPage: true });
  check(problems.length === 0, `no console error, page error or request elsewhere${problems.length ? `: ${problems.join("; ")}` : ""}`);
} catch (e) {
  failed = true;
  console.error(`page_test: ${e.message}`);
  for (const p of problems) console.error(`page_test: ${p}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
