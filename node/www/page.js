/*
 * page.js: the verifier's page (node/README.md, "The verifier's page"). It asks the gateway of
 * the node that served it, and nothing else: GET /v1/search, GET /v1/matrix, GET /v1/status (the
 * node's country, hence the page's second language), POST /v1/verify, and the same URLs with
 * proof=1 for the proof bundles. Text is set with textContent only, never parsed as HTML.
 */
"use strict";

const COUNTRIES = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU",
  "IS", "IE", "IT", "LV", "LI", "LT", "LU", "MT", "NL", "NO", "PL", "PT", "RO", "SK", "SI", "ES",
  "SE"];
/* Tile positions [column, row]: a rough map of Europe. */
const TILES = {
  IS: [0, 0], NO: [3, 0], SE: [4, 0], FI: [5, 0],
  DK: [3, 1], EE: [5, 1],
  IE: [0, 2], NL: [2, 2], DE: [3, 2], PL: [4, 2], LV: [5, 2],
  BE: [2, 3], CZ: [3, 3], SK: [4, 3], LT: [5, 3],
  FR: [1, 4], LU: [2, 4], AT: [3, 4], HU: [4, 4], RO: [5, 4],
  PT: [0, 5], ES: [1, 5], LI: [2, 5], SI: [3, 5], HR: [4, 5], BG: [5, 5],
  IT: [3, 6], GR: [5, 6], MT: [3, 7], CY: [6, 7],
};
const PURPOSES = ["further_study", "employment", "both"];
const OUTCOMES = ["full", "partial", "conditional", "denied"];
/* The official language of each country whose node the page has a translation for. */
const NODE_LANG = { PT: "pt" };

const TEXT = {
  en: {
    title: "Recognition of micro-credentials",
    node: "Answered by the node of",
    search_h: "Find a micro-credential",
    search_ph: "Title, subject or provider",
    search_b: "Search",
    searching: "Searching…",
    hits: (n) => (n === 1 ? "1 micro-credential" : `${n} micro-credentials`),
    no_hits: "No micro-credential matches.",
    matrix_h: "Recognition across the 30 countries",
    purpose: "Purpose",
    further_study: "Further study", employment: "Employment", both: "Both",
    proof: "Download the proof bundle",
    terms_hint: "Point at or click a country to see its terms.",
    full: "Full recognition", partial: "Partial recognition",
    conditional: "Conditional recognition", denied: "Denied",
    no_answer: "No decision or policy", absent: "No authority in the network",
    result: "Result", recognised: "Recognised", differences: "Substantial differences",
    conditions: "Conditions", appeal: "Appeal", validity: "Valid", from: "from",
    until: "until", open_ended: "open-ended", ects: "ECTS", eqf: "EQF level",
    decision: "decision", policy: "policy", pathway: "pathway", no_decision: "no decision",
    provider: "Provider", spec: "Micro-credential",
    verify_h: "Check a credential",
    country: "Country",
    drop: "Drop a credential file here, or choose one",
    checking: "Checking…",
    ok: "Valid, and recognised by",
    not_ok: "Not valid and recognised by",
    signature: "Issuer's signature", sig_ok: "verifies", sig_bad: "does not verify",
    issued: "Issued", grade: "Grade", valid_now: "Spec and provider in force",
    yes: "yes", no: "no",
    footer: "Every answer comes from the signed logs of the national authorities, with a proof that can be checked offline.",
  },
  pt: {
    title: "Reconhecimento de microcredenciais",
    node: "Respondido pelo nó de",
    search_h: "Procurar uma microcredencial",
    search_ph: "Título, área ou entidade formadora",
    search_b: "Procurar",
    searching: "A procurar…",
    hits: (n) => (n === 1 ? "1 microcredencial" : `${n} microcredenciais`),
    no_hits: "Nenhuma microcredencial corresponde.",
    matrix_h: "Reconhecimento nos 30 países",
    purpose: "Finalidade",
    further_study: "Prosseguimento de estudos", employment: "Emprego", both: "Ambos",
    proof: "Descarregar o pacote de prova",
    terms_hint: "Aponte ou clique num país para ver as condições.",
    full: "Reconhecimento total", partial: "Reconhecimento parcial",
    conditional: "Reconhecimento condicional", denied: "Recusado",
    no_answer: "Sem decisão nem política", absent: "Sem autoridade na rede",
    result: "Resultado", recognised: "Reconhecido", differences: "Diferenças substanciais",
    conditions: "Condições", appeal: "Recurso", validity: "Válido", from: "de",
    until: "até", open_ended: "sem termo", ects: "ECTS", eqf: "nível QEQ",
    decision: "decisão", policy: "política", pathway: "percurso", no_decision: "sem decisão",
    provider: "Entidade formadora", spec: "Microcredencial",
    verify_h: "Verificar uma credencial",
    country: "País",
    drop: "Largue aqui um ficheiro de credencial, ou escolha um",
    checking: "A verificar…",
    ok: "Válida e reconhecida por",
    not_ok: "Não é válida e reconhecida por",
    signature: "Assinatura do emissor", sig_ok: "verificada", sig_bad: "não verificada",
    issued: "Emitida", grade: "Classificação", valid_now: "Especificação e entidade em vigor",
    yes: "sim", no: "não",
    footer: "Cada resposta vem dos registos assinados das autoridades nacionais, com uma prova verificável offline.",
  },
};

const $ = (id) => document.getElementById(id);
let lang = "en";
let offered = ["en"];
let matrix = null; /* the last /v1/matrix answer */
let matrixSpec = "";
let selected = null; /* the country whose terms are shown */
let lastVerify = null; /* { file, query, answer } */
let lastHits = null;

function t(key, ...args) {
  const v = (TEXT[lang] && TEXT[lang][key]) ?? TEXT.en[key] ?? key;
  return typeof v === "function" ? v(...args) : v;
}

function countryName(cc) {
  try {
    return new Intl.DisplayNames([lang], { type: "region" }).of(cc === "GR" ? "GR" : cc);
  } catch (e) {
    return cc;
  }
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

/* A localized text: a string, or an object of language -> text. */
function localized(v) {
  if (v == null) return "";
  if (typeof v === "string") return v;
  return v[lang] ?? v.en ?? Object.values(v)[0] ?? "";
}

function ectsText(v) {
  if (v == null) return null;
  if (typeof v === "number") return String(v);
  return String(v);
}

async function getJSON(url, init) {
  const r = await fetch(url, init);
  let body = null;
  try {
    body = await r.json();
  } catch (e) {
    body = null;
  }
  if (!r.ok) {
    const msg = body && (body.message || (body.error && body.error.message)) || r.statusText;
    throw new Error(`${r.status}: ${msg}`);
  }
  return body;
}

/* ---- Language ---- */

function chooseLang() {
  const stored = localStorage.getItem("recnet.lang");
  if (stored && offered.includes(stored)) return stored;
  for (const l of navigator.languages || [navigator.language]) {
    const base = l.toLowerCase().split("-")[0];
    if (offered.includes(base)) return base;
  }
  return "en";
}

function applyLang() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  for (const e of document.querySelectorAll("[data-tp]")) e.placeholder = t(e.dataset.tp);
  document.title = t("title");
  const langs = $("langs");
  langs.replaceChildren(...offered.map((l) => el("button", {
    type: "button", "data-lang": l, "aria-pressed": String(l === lang),
    onclick: () => { localStorage.setItem("recnet.lang", l); lang = l; applyLang(); },
  }, l.toUpperCase())));
  fillSelect($("verify-country"), COUNTRIES.map((c) => [c, `${countryName(c)} (${c})`]));
  fillSelect($("verify-purpose"), PURPOSES.map((p) => [p, t(p)]));
  fillSelect($("matrix-purpose"), PURPOSES.map((p) => [p, t(p)]));
  const nc = document.body.dataset.country;
  if (nc) $("node-country").textContent = `${countryName(nc)} (${nc})`;
  if (lastHits) showHits(lastHits);
  if (matrix) drawMatrix();
  if (lastVerify) showVerdict();
}

function fillSelect(sel, options) {
  const keep = sel.value;
  sel.replaceChildren(...options.map(([v, label]) => el("option", { value: v }, label)));
  if (keep) sel.value = keep;
}

/* ---- Search ---- */

async function search(ev) {
  ev.preventDefault();
  const text = $("search-text").value.trim();
  const q = new URLSearchParams({ limit: "50" });
  if (text) q.set("text", text);
  $("search-status").textContent = t("searching");
  $("search-status").classList.remove("error");
  try {
    const res = await getJSON(`/v1/search?${q}`);
    lastHits = res.hits || [];
    showHits(lastHits);
  } catch (e) {
    $("search-status").textContent = e.message;
    $("search-status").classList.add("error");
  }
}

function showHits(hits) {
  $("search-status").textContent = hits.length ? t("hits", hits.length) : t("no_hits");
  $("hits").replaceChildren(...hits.map((h) => {
    const meta = [h.spec_id];
    const e = ectsText(h.ects);
    if (e) meta.push(`${e} ${t("ects")}`);
    if (h.eqf != null) meta.push(`${t("eqf")} ${h.eqf}`);
    if (h.provider_name) meta.push(`${h.provider_name} (${h.provider_id})`);
    return el("li", {}, el("button", {
      type: "button", class: "hit", "data-spec": h.spec_id,
      onclick: () => openMatrix(h.spec_id, localized(h.title)),
    }, el("div", { class: "hit-title" }, localized(h.title) || h.spec_id),
    el("div", { class: "hit-meta" }, meta.join(" · "))));
  }));
}

/* ---- The matrix ---- */

async function openMatrix(spec, title) {
  matrixSpec = spec;
  selected = null;
  $("matrix-section").hidden = false;
  $("matrix-spec").textContent = title ? `${title} (${spec})` : spec;
  try {
    matrix = await getJSON(`/v1/matrix?spec=${encodeURIComponent(spec)}`);
    drawMatrix();
    $("matrix-section").scrollIntoView({ block: "start" });
  } catch (e) {
    matrix = null;
    $("map").replaceChildren();
    $("terms").replaceChildren(el("p", { class: "error" }, e.message));
  }
}

/* The class of an answer: an outcome, "none" (no decision or policy) or "absent" (no authority). */
function classOf(ans) {
  if (ans === undefined || ans === null) return "absent";
  if (ans.outcome && OUTCOMES.includes(ans.outcome)) return ans.outcome;
  return "none";
}

function drawMatrix() {
  const purpose = $("matrix-purpose").value || PURPOSES[0];
  const rows = (matrix && matrix.countries) || {};
  $("map").replaceChildren(...COUNTRIES.map((cc) => {
    const row = rows[cc];
    const ans = row ? row[purpose] : null;
    const cls = classOf(row === null || row === undefined ? null : ans ?? {});
    const label = `${countryName(cc)}: ${cls === "absent" ? t("absent") : cls === "none" ? t("no_answer") : t(cls)}`;
    const [c, r] = TILES[cc];
    const b = el("button", {
      type: "button", class: `tile ${cls}`, "data-country": cc, "data-class": cls,
      title: label, "aria-label": label, "aria-pressed": String(cc === selected),
      onclick: () => { selected = cc; drawMatrix(); },
      onmouseenter: () => showTerms(cc),
      onfocus: () => showTerms(cc),
      onmouseleave: () => { if (selected) showTerms(selected); },
    }, cc);
    /* Set through the CSSOM: a style attribute is inline style, which the CSP refuses. */
    b.style.gridColumn = String(c + 1);
    b.style.gridRow = String(r + 1);
    return b;
  }));
  $("legend").replaceChildren(...[...OUTCOMES, "none", "absent"].map((k) =>
    el("li", {}, el("i", { class: `tile ${k}` }), k === "none" ? t("no_answer") : k === "absent" ? t("absent") : t(k))));
  if (selected) showTerms(selected);
  else $("terms").replaceChildren(el("p", {}, t("terms_hint")));
}

/* The terms of one answer (a matrix cell, or verify's recognition) as a definition list. */
function termsList(ans) {
  const dl = el("dl", { class: "terms" });
  const add = (k, v) => { if (v != null && v !== "") dl.append(el("dt", {}, t(k)), el("dd", { "data-term": k }, v)); };
  const cls = classOf(ans);
  const res = ans.result ? t(ans.result) : "";
  add("result", cls === "none" ? t("no_answer") : `${t(cls)}${res ? ` (${res})` : ""}`);
  const rec = [];
  const e = ectsText(ans.ects);
  if (e) rec.push(`${e} ${t("ects")}`);
  if (ans.eqf != null) rec.push(`${t("eqf")} ${ans.eqf}`);
  add("recognised", rec.join(", "));
  if (Array.isArray(ans.differences) && ans.differences.length)
    add("differences", ans.differences.map((d) => `${d.type}${d.note ? `: ${d.note}` : ""}`).join("; "));
  add("conditions", localized(ans.conditions));
  add("appeal", localized(ans.appeal));
  if (ans.valid_from)
    add("validity", `${t("from")} ${ans.valid_from} ${ans.valid_until ? `${t("until")} ${ans.valid_until}` : `(${t("open_ended")})`}`);
  if (ans.provider_name) add("provider", `${ans.provider_name} (${ans.provider_id})`);
  return dl;
}

function showTerms(cc) {
  const purpose = $("matrix-purpose").value || PURPOSES[0];
  const row = matrix && matrix.countries ? matrix.countries[cc] : null;
  const box = $("terms");
  const head = el("h3", {}, `${countryName(cc)} (${cc}) · ${t(purpose)}`);
  if (!row) {
    box.replaceChildren(head, el("p", {}, t("absent")));
    return;
  }
  const ans = row[purpose] || {};
  const q = new URLSearchParams({ spec: matrixSpec, country: cc, purpose, proof: "1" });
  box.replaceChildren(head, termsList(ans), el("p", {}, el("a", {
    class: "button secondary", href: `/v1/recognise?${q}`, download: `${cc}.${purpose}.proof`,
  }, t("proof"))));
}

/* ---- Verify ---- */

async function verify(file) {
  const q = new URLSearchParams({ country: $("verify-country").value, purpose: $("verify-purpose").value });
  $("verdict").replaceChildren(el("p", { class: "status" }, t("checking")));
  const bytes = await file.arrayBuffer();
  try {
    const answer = await getJSON(`/v1/verify?${q}`, {
      method: "POST", body: bytes, headers: { "Content-Type": "application/octet-stream" },
    });
    lastVerify = { bytes, query: q, answer };
    showVerdict();
  } catch (e) {
    lastVerify = null;
    $("verdict").replaceChildren(el("p", { class: "verdict bad" }, e.message));
  }
}

function showVerdict() {
  const { answer, query } = lastVerify;
  const cc = query.get("country"), purpose = query.get("purpose");
  const ok = answer.valid_and_recognised === true;
  const c = answer.credential || {};
  const node = answer.node || {};
  const dl = el("dl", { class: "terms" });
  const add = (k, v) => { if (v != null && v !== "") dl.append(el("dt", {}, t(k)), el("dd", {}, v)); };
  add("spec", c.spec);
  add("issued", c.issued_at);
  add("grade", c.grade);
  add("signature", `${c.signature_ok ? t("sig_ok") : t("sig_bad")}${c.signature_note ? ` (${c.signature_note})` : ""}`);
  if (node.valid !== undefined) add("valid_now", node.valid ? t("yes") : t("no"));
  const proofBtn = el("button", { type: "button", class: "button secondary", onclick: downloadVerifyProof }, t("proof"));
  $("verdict").replaceChildren(
    el("p", { class: `verdict ${ok ? "ok" : "bad"}`, "data-ok": String(ok) },
      `${ok ? t("ok") : t("not_ok")} ${countryName(cc)} (${cc}) · ${t(purpose)}`),
    dl, node.recognition ? termsList(node.recognition) : null, el("p", {}, proofBtn));
}

async function downloadVerifyProof() {
  const q = new URLSearchParams(lastVerify.query);
  q.set("proof", "1");
  const r = await fetch(`/v1/verify?${q}`, { method: "POST", body: lastVerify.bytes });
  if (!r.ok) return;
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url, download: `verify.${q.get("country")}.proof` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/* ---- Start ---- */

async function start() {
  try {
    const st = await getJSON("/v1/status");
    if (st && st.country) {
      document.body.dataset.country = st.country;
      if (NODE_LANG[st.country]) offered = ["en", NODE_LANG[st.country]];
      $("verify-country").dataset.node = st.country;
    }
  } catch (e) {
    /* The page works without the node's status: in English. */
  }
  lang = chooseLang();
  applyLang();
  if (document.body.dataset.country) $("verify-country").value = document.body.dataset.country;
  $("search-form").addEventListener("submit", search);
  $("matrix-purpose").addEventListener("change", drawMatrix);
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) verify(e.dataTransfer.files[0]);
  });
  $("verify-file").addEventListener("change", (e) => { if (e.target.files.length) verify(e.target.files[0]); });
  document.body.dataset.ready = "1";
}

start();
