// www_lang_test.js: the languages of the verifier's page (node/www/page.js, README.md "The
// verifier's page"), read under Node.js as the browser reads them.
//
//     node www_lang_test.js SOURCE_DIR
//
// The page must speak English and the official languages of each of the 30 countries of the
// network (EU-27, Iceland, Liechtenstein, Norway), and every language must say everything English
// says: the same keys, no empty text, the same placeholders and no other, a text that counts with
// exactly the plural categories of its language (Intl.PluralRules), and not English left in place.
// Every country's node offers only languages the page has, and every language is offered by some
// country. Each failure names the language and the key; the exit status is 1 when any is found.
"use strict";
const path = require("node:path");

const src = path.resolve(process.argv[2] || path.join(__dirname, "..", ".."));
let page;
try {
  page = require(path.join(src, "node", "www", "page.js"));
} catch (e) {
  console.error(`www_lang_test: node/www/page.js cannot be read under Node.js: ${e.message}`);
  process.exit(1);
}
const { TEXT, NODE_LANG, LANG_ALIAS = {}, COUNTRIES, offeredFor } = page;
if (!TEXT || !NODE_LANG || !COUNTRIES || typeof offeredFor !== "function") {
  console.error("www_lang_test: node/www/page.js exports no TEXT, NODE_LANG, COUNTRIES and offeredFor");
  process.exit(1);
}

// The 30 countries and their official languages, written here independently of page.js. Where
// a country has several, every one the page ships is listed (Luxembourgish, Turkish in Cyprus and
// Norwegian Nynorsk are not shipped: README.md says so).
const EXPECTED = {
  AT: ["de"], BE: ["nl", "fr", "de"], BG: ["bg"], HR: ["hr"], CY: ["el"], CZ: ["cs"], DK: ["da"],
  EE: ["et"], FI: ["fi", "sv"], FR: ["fr"], DE: ["de"], GR: ["el"], HU: ["hu"], IS: ["is"],
  IE: ["ga", "en"], IT: ["it"], LV: ["lv"], LI: ["de"], LT: ["lt"], LU: ["fr", "de"],
  MT: ["mt", "en"], NL: ["nl"], NO: ["nb"], PL: ["pl"], PT: ["pt"], RO: ["ro"], SK: ["sk"],
  SI: ["sl"], ES: ["es"], SE: ["sv"],
};
// The 24 official languages of the EU, Icelandic and Norwegian Bokmål.
const LANGUAGES = ["bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu",
  "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv", "is", "nb"];
// Texts that may read the same as English in another language (a unit, a word shared).
const SAME_AS_ENGLISH_MAX = 4;

const failures = [];
let checks = 0;
function check(cond, what) {
  checks++;
  if (!cond) failures.push(what);
}

const placeholders = (s) => new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
// The forms of a text: a string is one form, a plural text one per category.
const forms = (v) => (typeof v === "string" ? [v] : v && typeof v === "object" ? Object.values(v) : []);

// ---- The languages ----
check(TEXT && typeof TEXT === "object" && TEXT.en, "page.js exports TEXT with English");
for (const l of LANGUAGES) check(l in TEXT, `TEXT has no "${l}"`);
const enKeys = Object.keys(TEXT.en).sort();
check(enKeys.length > 30, `English has ${enKeys.length} keys`);

for (const [l, dict] of Object.entries(TEXT)) {
  check(Intl.getCanonicalLocales(l)[0] === l, `${l}: not a canonical BCP 47 code`);
  const keys = Object.keys(dict).sort();
  for (const k of enKeys) check(k in dict, `${l}: key "${k}" missing`);
  for (const k of keys) check(k in TEXT.en, `${l}: key "${k}" is not English's`);
  const categories = new Intl.PluralRules(l).resolvedOptions().pluralCategories.slice().sort();
  let same = 0;
  for (const k of enKeys) {
    const v = dict[k], en = TEXT.en[k];
    if (v === undefined) continue;
    check(typeof v === "string" || (v && typeof v === "object" && !Array.isArray(v)),
      `${l}.${k}: neither a text nor a plural text`);
    if (typeof v === "object" && v) {
      const got = Object.keys(v).sort();
      check(JSON.stringify(got) === JSON.stringify(categories),
        `${l}.${k}: plural categories ${got.join(",")}, the language has ${categories.join(",")}`);
    }
    const want = new Set(forms(en).flatMap((s) => [...placeholders(s)]));
    for (const f of forms(v)) {
      check(typeof f === "string" && f.trim() !== "", `${l}.${k}: an empty text`);
      if (typeof f !== "string") continue;
      const got = placeholders(f);
      for (const p of want) check(got.has(p), `${l}.${k}: "${f}" lacks {${p}}`);
      for (const p of got) check(want.has(p), `${l}.${k}: "${f}" has {${p}}, which English has not`);
      check(!/[<>]/.test(f), `${l}.${k}: markup in "${f}" (texts are set as text)`);
    }
    if (l !== "en" && JSON.stringify(v) === JSON.stringify(en)) same++;
  }
  if (l !== "en")
    check(same <= SAME_AS_ENGLISH_MAX, `${l}: ${same} texts are English's (at most ${SAME_AS_ENGLISH_MAX})`);
  // Country names come from the browser's Intl in the page's language: it must know it.
  check(new Intl.DisplayNames([l], { type: "region" }).of("FR") !== "FR", `${l}: Intl has no country names`);
}

// ---- The countries ----
check(Array.isArray(COUNTRIES) && COUNTRIES.length === 30, "COUNTRIES has the 30 countries");
check(JSON.stringify([...COUNTRIES].sort()) === JSON.stringify(Object.keys(EXPECTED).sort()),
  `COUNTRIES is ${[...COUNTRIES].sort().join(",")}`);
for (const cc of Object.keys(EXPECTED)) {
  const langs = NODE_LANG[cc];
  check(Array.isArray(langs) && langs.length > 0, `NODE_LANG.${cc}: no language`);
  if (!Array.isArray(langs)) continue;
  check(JSON.stringify(langs) === JSON.stringify(EXPECTED[cc]),
    `NODE_LANG.${cc} is ${langs.join(",")}, the official languages are ${EXPECTED[cc].join(",")}`);
  for (const l of langs) check(l in TEXT, `NODE_LANG.${cc}: "${l}" has no texts`);
  const offered = offeredFor(cc);
  check(offered[0] === "en" && new Set(offered).size === offered.length,
    `${cc}: the page offers ${offered.join(",")} (English first, each once)`);
  for (const l of langs) check(offered.includes(l), `${cc}: "${l}" is not offered`);
}
for (const cc of Object.keys(NODE_LANG)) check(cc in EXPECTED, `NODE_LANG.${cc}: not one of the 30`);
for (const l of Object.keys(TEXT))
  check(l === "en" || Object.values(NODE_LANG).some((ls) => ls.includes(l)), `${l}: offered by no country`);
for (const [alias, l] of Object.entries(LANG_ALIAS)) check(l in TEXT, `LANG_ALIAS.${alias}: "${l}" has no texts`);

if (failures.length) {
  for (const f of failures) console.error(`www_lang_test: ${f}`);
  console.error(`www_lang_test: ${failures.length} of ${checks} checks failed`);
  process.exit(1);
}
console.log(`www_lang_test: ${Object.keys(TEXT).length} languages, ${checks} checks passed`);
