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
/*
 * The languages of the page. The page offers English and the official languages of the country of
 * the node that serves it (NODE_LANG, from GET /v1/status), opens in the first of the browser's
 * languages (navigator.languages) that it offers, and keeps the reader's choice (localStorage).
 * Every language of TEXT has exactly the keys of English; a text holds placeholders ({n},
 * {country}, {from}, {until}) that t() fills, numbers formatted for the language (Intl); a text
 * that counts is an object of plural categories (Intl.PluralRules: "one", "few", "other", ...).
 * tests/unit/www_lang_test.js holds every language to these rules. Adding a language: add its
 * texts to TEXT under its BCP 47 code and the code to its countries in NODE_LANG.
 */
const NODE_LANG = {
  AT: ["de"], BE: ["nl", "fr", "de"], BG: ["bg"], HR: ["hr"], CY: ["el"], CZ: ["cs"],
  DK: ["da"], EE: ["et"], FI: ["fi", "sv"], FR: ["fr"], DE: ["de"], GR: ["el"], HU: ["hu"],
  IS: ["is"], IE: ["ga", "en"], IT: ["it"], LV: ["lv"], LI: ["de"], LT: ["lt"], LU: ["fr", "de"],
  MT: ["mt", "en"], NL: ["nl"], NO: ["nb"], PL: ["pl"], PT: ["pt"], RO: ["ro"], SK: ["sk"],
  SI: ["sl"], ES: ["es"], SE: ["sv"],
};
/* A browser language the page takes as one of its own: Norwegian (no) and Nynorsk read Bokmål. */
const LANG_ALIAS = { no: "nb", nn: "nb" };

const TEXT = {
  en: {
    title: "Recognition of micro-credentials",
    node: "Answered by the node of",
    langs: "Language",
    search_h: "Find a micro-credential",
    search_ph: "Title, subject or provider",
    search_b: "Search",
    searching: "Searching…",
    hits: { one: "{n} micro-credential", other: "{n} micro-credentials" },
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
    conditions: "Conditions", appeal: "Appeal", validity: "Valid",
    valid_range: "from {from} until {until}", valid_open: "from {from} (open-ended)",
    ects: "{n} ECTS", eqf: "EQF level {n}",
    decision: "decision", policy: "policy", pathway: "pathway", no_decision: "no decision",
    provider: "Provider", spec: "Micro-credential",
    verify_h: "Check a credential",
    country: "Country",
    drop: "Drop a credential file here, or choose one",
    checking: "Checking…",
    ok: "Valid, and recognised by {country}",
    not_ok: "Not valid and recognised by {country}",
    signature: "Issuer's signature", sig_ok: "verifies", sig_bad: "does not verify",
    issued: "Issued", grade: "Grade", valid_now: "Spec and provider in force",
    yes: "yes", no: "no",
    footer: "Every answer comes from the signed logs of the national authorities, with a proof that can be checked offline.",
  },
  bg: {
    title: "Признаване на микроквалификации",
    node: "Отговор от възела на",
    langs: "Език",
    search_h: "Търсене на микроквалификация",
    search_ph: "Наименование, област или доставчик",
    search_b: "Търсене",
    searching: "Търсене…",
    hits: { one: "{n} микроквалификация", other: "{n} микроквалификации" },
    no_hits: "Няма съответстваща микроквалификация.",
    matrix_h: "Признаване в 30-те държави",
    purpose: "Цел",
    further_study: "Продължаване на обучението", employment: "Заетост", both: "И двете",
    proof: "Изтегляне на пакета с доказателства",
    terms_hint: "Посочете или щракнете върху държава, за да видите условията ѝ.",
    full: "Пълно признаване", partial: "Частично признаване",
    conditional: "Условно признаване", denied: "Отказано",
    no_answer: "Няма решение или политика", absent: "Няма орган в мрежата",
    result: "Резултат", recognised: "Признати", differences: "Съществени различия",
    conditions: "Условия", appeal: "Обжалване", validity: "Валидност",
    valid_range: "от {from} до {until}", valid_open: "от {from} (безсрочно)",
    ects: { one: "{n} кредит по ЕСТК", other: "{n} кредита по ЕСТК" }, eqf: "ниво {n} по ЕКР",
    decision: "решение", policy: "политика", pathway: "образователен път", no_decision: "няма решение",
    provider: "Доставчик", spec: "Микроквалификация",
    verify_h: "Проверка на удостоверение",
    country: "Държава",
    drop: "Пуснете тук файл с удостоверение или изберете такъв",
    checking: "Проверка…",
    ok: "Валидно и признато от {country}",
    not_ok: "Не е валидно и признато от {country}",
    signature: "Подпис на издателя", sig_ok: "потвърден", sig_bad: "не е потвърден",
    issued: "Издадено", grade: "Оценка", valid_now: "Спецификацията и доставчикът са в сила",
    yes: "да", no: "не",
    footer: "Всеки отговор идва от подписаните регистри на националните органи, с доказателство, което може да бъде проверено офлайн.",
  },
  cs: {
    title: "Uznávání mikrocertifikátů",
    node: "Odpovídá uzel země",
    langs: "Jazyk",
    search_h: "Vyhledat mikrocertifikát",
    search_ph: "Název, obor nebo poskytovatel",
    search_b: "Hledat",
    searching: "Vyhledává se…",
    hits: { one: "{n} mikrocertifikát", few: "{n} mikrocertifikáty", many: "{n} mikrocertifikátu", other: "{n} mikrocertifikátů" },
    no_hits: "Žádný mikrocertifikát neodpovídá.",
    matrix_h: "Uznávání ve 30 zemích",
    purpose: "Účel",
    further_study: "Další studium", employment: "Zaměstnání", both: "Obojí",
    proof: "Stáhnout balíček důkazů",
    terms_hint: "Najeďte na zemi nebo na ni klikněte a zobrazí se její podmínky.",
    full: "Plné uznání", partial: "Částečné uznání",
    conditional: "Podmíněné uznání", denied: "Zamítnuto",
    no_answer: "Žádné rozhodnutí ani politika", absent: "V síti není žádný orgán",
    result: "Výsledek", recognised: "Uznáno", differences: "Podstatné rozdíly",
    conditions: "Podmínky", appeal: "Opravný prostředek", validity: "Platnost",
    valid_range: "od {from} do {until}", valid_open: "od {from} (bez omezení)",
    ects: "{n} ECTS", eqf: "úroveň EQF {n}",
    decision: "rozhodnutí", policy: "politika", pathway: "vzdělávací cesta", no_decision: "bez rozhodnutí",
    provider: "Poskytovatel", spec: "Mikrocertifikát",
    verify_h: "Ověřit doklad",
    country: "Země",
    drop: "Přetáhněte sem soubor s dokladem, nebo jej vyberte",
    checking: "Ověřuje se…",
    ok: "Platný a uznaný – země: {country}",
    not_ok: "Není platný a uznaný – země: {country}",
    signature: "Podpis vydavatele", sig_ok: "ověřen", sig_bad: "neověřen",
    issued: "Vydáno", grade: "Hodnocení", valid_now: "Specifikace a poskytovatel v platnosti",
    yes: "ano", no: "ne",
    footer: "Každá odpověď pochází z podepsaných záznamů vnitrostátních orgánů, s důkazem, který lze ověřit offline.",
  },
  da: {
    title: "Anerkendelse af mikroeksaminer",
    node: "Besvaret af knudepunktet for",
    langs: "Sprog",
    search_h: "Find en mikroeksamen",
    search_ph: "Titel, fagområde eller udbyder",
    search_b: "Søg",
    searching: "Søger…",
    hits: { one: "{n} mikroeksamen", other: "{n} mikroeksaminer" },
    no_hits: "Ingen mikroeksamen matcher.",
    matrix_h: "Anerkendelse i de 30 lande",
    purpose: "Formål",
    further_study: "Videre uddannelse", employment: "Beskæftigelse", both: "Begge",
    proof: "Download bevispakken",
    terms_hint: "Peg på eller klik på et land for at se dets vilkår.",
    full: "Fuld anerkendelse", partial: "Delvis anerkendelse",
    conditional: "Betinget anerkendelse", denied: "Afvist",
    no_answer: "Ingen afgørelse eller politik", absent: "Ingen myndighed i netværket",
    result: "Resultat", recognised: "Anerkendt", differences: "Væsentlige forskelle",
    conditions: "Betingelser", appeal: "Klage", validity: "Gyldig",
    valid_range: "fra {from} til {until}", valid_open: "fra {from} (tidsubegrænset)",
    ects: "{n} ECTS-point", eqf: "EQF-niveau {n}",
    decision: "afgørelse", policy: "politik", pathway: "uddannelsesforløb", no_decision: "ingen afgørelse",
    provider: "Udbyder", spec: "Mikroeksamen",
    verify_h: "Kontrollér et bevis",
    country: "Land",
    drop: "Slip en fil med et bevis her, eller vælg en",
    checking: "Kontrollerer…",
    ok: "Gyldigt og anerkendt af {country}",
    not_ok: "Ikke gyldigt og anerkendt af {country}",
    signature: "Udstederens signatur", sig_ok: "er verificeret", sig_bad: "kan ikke verificeres",
    issued: "Udstedt", grade: "Karakter", valid_now: "Beskrivelse og udbyder gældende",
    yes: "ja", no: "nej",
    footer: "Hvert svar kommer fra de nationale myndigheders signerede logge med et bevis, der kan kontrolleres offline.",
  },
  de: {
    title: "Anerkennung von Microcredentials",
    node: "Beantwortet vom Knoten für",
    langs: "Sprache",
    search_h: "Microcredential suchen",
    search_ph: "Titel, Fachgebiet oder Anbieter",
    search_b: "Suchen",
    searching: "Suche läuft…",
    hits: { one: "{n} Microcredential", other: "{n} Microcredentials" },
    no_hits: "Kein Microcredential gefunden.",
    matrix_h: "Anerkennung in den 30 Ländern",
    purpose: "Zweck",
    further_study: "Weiterführendes Studium", employment: "Beschäftigung", both: "Beides",
    proof: "Nachweispaket herunterladen",
    terms_hint: "Zeigen Sie auf ein Land oder klicken Sie darauf, um seine Bedingungen zu sehen.",
    full: "Volle Anerkennung", partial: "Teilweise Anerkennung",
    conditional: "Anerkennung unter Auflagen", denied: "Abgelehnt",
    no_answer: "Keine Entscheidung oder Regelung", absent: "Keine Behörde im Netz",
    result: "Ergebnis", recognised: "Anerkannt", differences: "Wesentliche Unterschiede",
    conditions: "Auflagen", appeal: "Rechtsbehelf", validity: "Gültig",
    valid_range: "vom {from} bis {until}", valid_open: "ab {from} (unbefristet)",
    ects: { one: "{n} ECTS-Punkt", other: "{n} ECTS-Punkte" }, eqf: "EQR-Niveau {n}",
    decision: "Entscheidung", policy: "Regelung", pathway: "Bildungsweg", no_decision: "keine Entscheidung",
    provider: "Anbieter", spec: "Microcredential",
    verify_h: "Nachweis prüfen",
    country: "Land",
    drop: "Datei eines Nachweises hier ablegen oder auswählen",
    checking: "Prüfung läuft…",
    ok: "Gültig und anerkannt – Land: {country}",
    not_ok: "Nicht gültig und anerkannt – Land: {country}",
    signature: "Signatur des Ausstellers", sig_ok: "gültig", sig_bad: "ungültig",
    issued: "Ausgestellt", grade: "Note", valid_now: "Beschreibung und Anbieter in Kraft",
    yes: "ja", no: "nein",
    footer: "Jede Antwort stammt aus den signierten Protokollen der nationalen Behörden, mit einem Nachweis, der offline geprüft werden kann.",
  },
  el: {
    title: "Αναγνώριση μικροδιαπιστευτηρίων",
    node: "Απάντηση από τον κόμβο:",
    langs: "Γλώσσα",
    search_h: "Αναζήτηση μικροδιαπιστευτηρίου",
    search_ph: "Τίτλος, γνωστικό αντικείμενο ή πάροχος",
    search_b: "Αναζήτηση",
    searching: "Αναζήτηση…",
    hits: { one: "{n} μικροδιαπιστευτήριο", other: "{n} μικροδιαπιστευτήρια" },
    no_hits: "Δεν βρέθηκε μικροδιαπιστευτήριο.",
    matrix_h: "Αναγνώριση στις 30 χώρες",
    purpose: "Σκοπός",
    further_study: "Συνέχιση σπουδών", employment: "Απασχόληση", both: "Αμφότερα",
    proof: "Λήψη του πακέτου απόδειξης",
    terms_hint: "Τοποθετήστε τον δείκτη ή κάντε κλικ σε μια χώρα για να δείτε τους όρους της.",
    full: "Πλήρης αναγνώριση", partial: "Μερική αναγνώριση",
    conditional: "Αναγνώριση υπό όρους", denied: "Απορρίφθηκε",
    no_answer: "Καμία απόφαση ή πολιτική", absent: "Καμία αρχή στο δίκτυο",
    result: "Αποτέλεσμα", recognised: "Αναγνωρίζονται", differences: "Ουσιώδεις διαφορές",
    conditions: "Όροι", appeal: "Προσφυγή", validity: "Ισχύει",
    valid_range: "από {from} έως {until}", valid_open: "από {from} (αορίστου χρόνου)",
    ects: "{n} ECTS", eqf: "επίπεδο ΕΠΕΠ {n}",
    decision: "απόφαση", policy: "πολιτική", pathway: "εκπαιδευτική διαδρομή", no_decision: "καμία απόφαση",
    provider: "Πάροχος", spec: "Μικροδιαπιστευτήριο",
    verify_h: "Έλεγχος διαπιστευτηρίου",
    country: "Χώρα",
    drop: "Αφήστε εδώ ένα αρχείο διαπιστευτηρίου ή επιλέξτε ένα",
    checking: "Έλεγχος…",
    ok: "Έγκυρο και αναγνωρισμένο από: {country}",
    not_ok: "Μη έγκυρο και αναγνωρισμένο από: {country}",
    signature: "Υπογραφή εκδότη", sig_ok: "επαληθεύεται", sig_bad: "δεν επαληθεύεται",
    issued: "Εκδόθηκε", grade: "Βαθμός", valid_now: "Προδιαγραφή και πάροχος σε ισχύ",
    yes: "ναι", no: "όχι",
    footer: "Κάθε απάντηση προέρχεται από τα υπογεγραμμένα αρχεία καταγραφής των εθνικών αρχών, με απόδειξη που μπορεί να ελεγχθεί εκτός σύνδεσης.",
  },
  es: {
    title: "Reconocimiento de microcredenciales",
    node: "Respondido por el nodo de",
    langs: "Idioma",
    search_h: "Buscar una microcredencial",
    search_ph: "Título, materia o proveedor",
    search_b: "Buscar",
    searching: "Buscando…",
    hits: { one: "{n} microcredencial", many: "{n} de microcredenciales", other: "{n} microcredenciales" },
    no_hits: "Ninguna microcredencial coincide.",
    matrix_h: "Reconocimiento en los 30 países",
    purpose: "Finalidad",
    further_study: "Continuación de estudios", employment: "Empleo", both: "Ambos",
    proof: "Descargar el paquete de prueba",
    terms_hint: "Señale o haga clic en un país para ver sus condiciones.",
    full: "Reconocimiento pleno", partial: "Reconocimiento parcial",
    conditional: "Reconocimiento condicionado", denied: "Denegado",
    no_answer: "Sin decisión ni política", absent: "Ninguna autoridad en la red",
    result: "Resultado", recognised: "Reconocido", differences: "Diferencias sustanciales",
    conditions: "Condiciones", appeal: "Recurso", validity: "Válido",
    valid_range: "del {from} al {until}", valid_open: "desde el {from} (sin plazo)",
    ects: { one: "{n} crédito ECTS", many: "{n} de créditos ECTS", other: "{n} créditos ECTS" },
    eqf: "nivel {n} del MEC",
    decision: "decisión", policy: "política", pathway: "itinerario", no_decision: "sin decisión",
    provider: "Proveedor", spec: "Microcredencial",
    verify_h: "Comprobar una credencial",
    country: "País",
    drop: "Suelte aquí un archivo de credencial o elija uno",
    checking: "Comprobando…",
    ok: "Válida y reconocida – país: {country}",
    not_ok: "No es válida y reconocida – país: {country}",
    signature: "Firma del emisor", sig_ok: "verificada", sig_bad: "no verificada",
    issued: "Expedida", grade: "Calificación", valid_now: "Especificación y proveedor en vigor",
    yes: "sí", no: "no",
    footer: "Cada respuesta procede de los registros firmados de las autoridades nacionales, con una prueba que puede comprobarse sin conexión.",
  },
  et: {
    title: "Mikrokvalifikatsioonide tunnustamine",
    node: "Vastab sõlm:",
    langs: "Keel",
    search_h: "Otsi mikrokvalifikatsiooni",
    search_ph: "Nimetus, valdkond või pakkuja",
    search_b: "Otsi",
    searching: "Otsimine…",
    hits: { one: "{n} mikrokvalifikatsioon", other: "{n} mikrokvalifikatsiooni" },
    no_hits: "Ükski mikrokvalifikatsioon ei vasta otsingule.",
    matrix_h: "Tunnustamine 30 riigis",
    purpose: "Eesmärk",
    further_study: "Edasiõpe", employment: "Töötamine", both: "Mõlemad",
    proof: "Laadi alla tõendipakett",
    terms_hint: "Osutage riigile või klõpsake seda, et näha selle tingimusi.",
    full: "Täielik tunnustamine", partial: "Osaline tunnustamine",
    conditional: "Tingimuslik tunnustamine", denied: "Keeldutud",
    no_answer: "Otsus või poliitika puudub", absent: "Võrgus pole asutust",
    result: "Tulemus", recognised: "Tunnustatud", differences: "Olulised erinevused",
    conditions: "Tingimused", appeal: "Vaidlustamine", validity: "Kehtib",
    valid_range: "{from} kuni {until}", valid_open: "alates {from} (tähtajatu)",
    ects: "{n} EAP", eqf: "EKR {n}. tase",
    decision: "otsus", policy: "poliitika", pathway: "õpitee", no_decision: "otsus puudub",
    provider: "Pakkuja", spec: "Mikrokvalifikatsioon",
    verify_h: "Kontrolli tunnistust",
    country: "Riik",
    drop: "Lohistage tunnistuse fail siia või valige see",
    checking: "Kontrollimine…",
    ok: "Kehtiv ja tunnustatud – riik: {country}",
    not_ok: "Ei ole kehtiv ja tunnustatud – riik: {country}",
    signature: "Väljaandja allkiri", sig_ok: "on kinnitatud", sig_bad: "ei ole kinnitatud",
    issued: "Välja antud", grade: "Hinne", valid_now: "Kirjeldus ja pakkuja kehtivad",
    yes: "jah", no: "ei",
    footer: "Iga vastus pärineb riiklike asutuste allkirjastatud logidest koos tõendiga, mida saab kontrollida võrguühenduseta.",
  },
  fi: {
    title: "Mikrotutkintojen tunnustaminen",
    node: "Vastauksen antoi solmu:",
    langs: "Kieli",
    search_h: "Hae mikrotutkintoa",
    search_ph: "Nimi, ala tai tarjoaja",
    search_b: "Hae",
    searching: "Haetaan…",
    hits: { one: "{n} mikrotutkinto", other: "{n} mikrotutkintoa" },
    no_hits: "Yksikään mikrotutkinto ei vastaa hakua.",
    matrix_h: "Tunnustaminen 30 maassa",
    purpose: "Tarkoitus",
    further_study: "Jatko-opinnot", employment: "Työllistyminen", both: "Molemmat",
    proof: "Lataa todistepaketti",
    terms_hint: "Osoita maata tai napsauta sitä nähdäksesi sen ehdot.",
    full: "Täysi tunnustaminen", partial: "Osittainen tunnustaminen",
    conditional: "Ehdollinen tunnustaminen", denied: "Hylätty",
    no_answer: "Ei päätöstä eikä linjausta", absent: "Ei viranomaista verkossa",
    result: "Tulos", recognised: "Tunnustettu", differences: "Olennaiset erot",
    conditions: "Ehdot", appeal: "Muutoksenhaku", validity: "Voimassa",
    valid_range: "{from} – {until}", valid_open: "{from} alkaen (toistaiseksi)",
    ects: "{n} op (ECTS)", eqf: "EQF-taso {n}",
    decision: "päätös", policy: "linjaus", pathway: "opintopolku", no_decision: "ei päätöstä",
    provider: "Tarjoaja", spec: "Mikrotutkinto",
    verify_h: "Tarkista todistus",
    country: "Maa",
    drop: "Pudota todistustiedosto tähän tai valitse tiedosto",
    checking: "Tarkistetaan…",
    ok: "Voimassa ja tunnustettu – maa: {country}",
    not_ok: "Ei voimassa ja tunnustettu – maa: {country}",
    signature: "Myöntäjän allekirjoitus", sig_ok: "on varmennettu", sig_bad: "ei varmennu",
    issued: "Myönnetty", grade: "Arvosana", valid_now: "Kuvaus ja tarjoaja voimassa",
    yes: "kyllä", no: "ei",
    footer: "Jokainen vastaus perustuu kansallisten viranomaisten allekirjoitettuihin lokeihin, ja sen mukana on todiste, jonka voi tarkistaa ilman verkkoyhteyttä.",
  },
  fr: {
    title: "Reconnaissance des microcertifications",
    node: "Réponse du nœud national :",
    langs: "Langue",
    search_h: "Rechercher une microcertification",
    search_ph: "Intitulé, domaine ou prestataire",
    search_b: "Rechercher",
    searching: "Recherche en cours…",
    hits: { one: "{n} microcertification", many: "{n} de microcertifications", other: "{n} microcertifications" },
    no_hits: "Aucune microcertification ne correspond.",
    matrix_h: "Reconnaissance dans les 30 pays",
    purpose: "Finalité",
    further_study: "Poursuite d’études", employment: "Emploi", both: "Les deux",
    proof: "Télécharger le dossier de preuve",
    terms_hint: "Pointez ou cliquez sur un pays pour afficher ses conditions.",
    full: "Reconnaissance totale", partial: "Reconnaissance partielle",
    conditional: "Reconnaissance sous conditions", denied: "Refusée",
    no_answer: "Ni décision ni politique", absent: "Aucune autorité dans le réseau",
    result: "Résultat", recognised: "Reconnu", differences: "Différences substantielles",
    conditions: "Conditions", appeal: "Voie de recours", validity: "Valable",
    valid_range: "du {from} au {until}", valid_open: "à partir du {from} (sans limite)",
    ects: { one: "{n} crédit ECTS", many: "{n} de crédits ECTS", other: "{n} crédits ECTS" },
    eqf: "niveau {n} du CEC",
    decision: "décision", policy: "politique", pathway: "parcours", no_decision: "aucune décision",
    provider: "Prestataire", spec: "Microcertification",
    verify_h: "Vérifier une attestation",
    country: "Pays",
    drop: "Déposez ici le fichier d’une attestation, ou choisissez-en un",
    checking: "Vérification en cours…",
    ok: "Valide et reconnue – pays : {country}",
    not_ok: "Non valide et reconnue – pays : {country}",
    signature: "Signature de l’émetteur", sig_ok: "vérifiée", sig_bad: "non vérifiée",
    issued: "Délivrée le", grade: "Note", valid_now: "Description et prestataire en vigueur",
    yes: "oui", no: "non",
    footer: "Chaque réponse provient des journaux signés des autorités nationales, avec une preuve vérifiable hors ligne.",
  },
  ga: {
    title: "Aitheantas do mhicridhintiúir",
    node: "Freagra ó nód:",
    langs: "Teanga",
    search_h: "Aimsigh micridhintiúr",
    search_ph: "Teideal, ábhar nó soláthraí",
    search_b: "Cuardaigh",
    searching: "Á chuardach…",
    hits: { one: "{n} mhicridhintiúr", two: "{n} mhicridhintiúr", few: "{n} mhicridhintiúr", many: "{n} micridhintiúr", other: "{n} micridhintiúr" },
    no_hits: "Níl aon mhicridhintiúr ag teacht leis.",
    matrix_h: "Aitheantas sna 30 tír",
    purpose: "Cuspóir",
    further_study: "Staidéar breise", employment: "Fostaíocht", both: "An dá cheann",
    proof: "Íoslódáil an beart cruthúnais",
    terms_hint: "Dírigh ar thír nó cliceáil uirthi chun a téarmaí a fheiceáil.",
    full: "Aitheantas iomlán", partial: "Aitheantas páirteach",
    conditional: "Aitheantas coinníollach", denied: "Diúltaithe",
    no_answer: "Gan cinneadh ná beartas", absent: "Gan údarás sa líonra",
    result: "Toradh", recognised: "Aitheanta", differences: "Difríochtaí substaintiúla",
    conditions: "Coinníollacha", appeal: "Achomharc", validity: "Bailí",
    valid_range: "ó {from} go {until}", valid_open: "ó {from} (gan téarma)",
    ects: "{n} ECTS", eqf: "leibhéal {n} den CEC",
    decision: "cinneadh", policy: "beartas", pathway: "conair", no_decision: "gan cinneadh",
    provider: "Soláthraí", spec: "Micridhintiúr",
    verify_h: "Seiceáil dintiúr",
    country: "Tír",
    drop: "Scaoil comhad dintiúir anseo, nó roghnaigh ceann",
    checking: "Á sheiceáil…",
    ok: "Bailí, agus aitheanta ag: {country}",
    not_ok: "Níl sé bailí agus aitheanta ag: {country}",
    signature: "Síniú an eisitheora", sig_ok: "fíoraithe", sig_bad: "gan fíorú",
    issued: "Eisithe", grade: "Grád", valid_now: "Sonraíocht agus soláthraí i bhfeidhm",
    yes: "tá", no: "níl",
    footer: "Tagann gach freagra ó logaí sínithe na n-údarás náisiúnta, le cruthúnas is féidir a sheiceáil as líne.",
  },
  hr: {
    title: "Priznavanje mikrokvalifikacija",
    node: "Odgovara čvor:",
    langs: "Jezik",
    search_h: "Pronađite mikrokvalifikaciju",
    search_ph: "Naziv, područje ili pružatelj",
    search_b: "Traži",
    searching: "Pretraživanje…",
    hits: { one: "{n} mikrokvalifikacija", few: "{n} mikrokvalifikacije", other: "{n} mikrokvalifikacija" },
    no_hits: "Nijedna mikrokvalifikacija ne odgovara.",
    matrix_h: "Priznavanje u 30 zemalja",
    purpose: "Svrha",
    further_study: "Nastavak obrazovanja", employment: "Zapošljavanje", both: "Oboje",
    proof: "Preuzmite paket dokaza",
    terms_hint: "Pokažite na zemlju ili je kliknite kako biste vidjeli njezine uvjete.",
    full: "Potpuno priznavanje", partial: "Djelomično priznavanje",
    conditional: "Uvjetno priznavanje", denied: "Odbijeno",
    no_answer: "Nema odluke ni politike", absent: "Nema tijela u mreži",
    result: "Ishod", recognised: "Priznato", differences: "Bitne razlike",
    conditions: "Uvjeti", appeal: "Pravni lijek", validity: "Vrijedi",
    valid_range: "od {from} do {until}", valid_open: "od {from} (neograničeno)",
    ects: "{n} ECTS", eqf: "razina EKO-a {n}",
    decision: "odluka", policy: "politika", pathway: "obrazovni put", no_decision: "nema odluke",
    provider: "Pružatelj", spec: "Mikrokvalifikacija",
    verify_h: "Provjerite vjerodajnicu",
    country: "Zemlja",
    drop: "Ispustite ovdje datoteku vjerodajnice ili je odaberite",
    checking: "Provjera…",
    ok: "Valjana i priznata – zemlja: {country}",
    not_ok: "Nije valjana i priznata – zemlja: {country}",
    signature: "Potpis izdavatelja", sig_ok: "je potvrđen", sig_bad: "nije potvrđen",
    issued: "Izdano", grade: "Ocjena", valid_now: "Specifikacija i pružatelj na snazi",
    yes: "da", no: "ne",
    footer: "Svaki odgovor potječe iz potpisanih zapisnika nacionalnih tijela, s dokazom koji se može provjeriti izvan mreže.",
  },
  hu: {
    title: "Mikrotanúsítványok elismerése",
    node: "Válaszoló csomópont:",
    langs: "Nyelv",
    search_h: "Mikrotanúsítvány keresése",
    search_ph: "Megnevezés, terület vagy szolgáltató",
    search_b: "Keresés",
    searching: "Keresés…",
    hits: { one: "{n} mikrotanúsítvány", other: "{n} mikrotanúsítvány" },
    no_hits: "Nincs megfelelő mikrotanúsítvány.",
    matrix_h: "Elismerés a 30 országban",
    purpose: "Cél",
    further_study: "Továbbtanulás", employment: "Foglalkoztatás", both: "Mindkettő",
    proof: "A bizonyítékcsomag letöltése",
    terms_hint: "Mutasson egy országra, vagy kattintson rá a feltételei megtekintéséhez.",
    full: "Teljes elismerés", partial: "Részleges elismerés",
    conditional: "Feltételes elismerés", denied: "Elutasítva",
    no_answer: "Nincs határozat vagy szabályozás", absent: "Nincs hatóság a hálózatban",
    result: "Eredmény", recognised: "Elismert", differences: "Lényeges különbségek",
    conditions: "Feltételek", appeal: "Jogorvoslat", validity: "Érvényes",
    valid_range: "{from} – {until}", valid_open: "{from} óta (határozatlan ideig)",
    ects: "{n} ECTS-kredit", eqf: "EKKR {n}. szint",
    decision: "határozat", policy: "szabályozás", pathway: "tanulási útvonal", no_decision: "nincs határozat",
    provider: "Szolgáltató", spec: "Mikrotanúsítvány",
    verify_h: "Tanúsítvány ellenőrzése",
    country: "Ország",
    drop: "Húzzon ide egy tanúsítványfájlt, vagy válasszon egyet",
    checking: "Ellenőrzés…",
    ok: "Érvényes és elismert – ország: {country}",
    not_ok: "Nem érvényes és elismert – ország: {country}",
    signature: "A kibocsátó aláírása", sig_ok: "hiteles", sig_bad: "nem hiteles",
    issued: "Kiállítva", grade: "Érdemjegy", valid_now: "Leírás és szolgáltató hatályban",
    yes: "igen", no: "nem",
    footer: "Minden válasz a nemzeti hatóságok aláírt naplóiból származik, offline is ellenőrizhető bizonyítékkal.",
  },
  is: {
    title: "Viðurkenning örnáms",
    node: "Svar frá hnút:",
    langs: "Tungumál",
    search_h: "Finna örnám",
    search_ph: "Heiti, námssvið eða veitandi",
    search_b: "Leita",
    searching: "Leitar…",
    hits: { one: "{n} örnám", other: "{n} örnám" },
    no_hits: "Ekkert örnám fannst.",
    matrix_h: "Viðurkenning í löndunum 30",
    purpose: "Tilgangur",
    further_study: "Frekara nám", employment: "Atvinna", both: "Hvort tveggja",
    proof: "Sækja sönnunarpakkann",
    terms_hint: "Bentu á land eða smelltu á það til að sjá skilmála þess.",
    full: "Full viðurkenning", partial: "Viðurkenning að hluta",
    conditional: "Skilyrt viðurkenning", denied: "Synjað",
    no_answer: "Engin ákvörðun eða stefna", absent: "Ekkert stjórnvald í netinu",
    result: "Niðurstaða", recognised: "Viðurkennt", differences: "Verulegur munur",
    conditions: "Skilyrði", appeal: "Kæruleið", validity: "Gildir",
    valid_range: "frá {from} til {until}", valid_open: "frá {from} (ótímabundið)",
    ects: { one: "{n} ECTS-eining", other: "{n} ECTS-einingar" }, eqf: "EQF-þrep {n}",
    decision: "ákvörðun", policy: "stefna", pathway: "námsleið", no_decision: "engin ákvörðun",
    provider: "Veitandi", spec: "Örnám",
    verify_h: "Sannreyna skírteini",
    country: "Land",
    drop: "Slepptu skírteinisskrá hér eða veldu skrá",
    checking: "Sannreynir…",
    ok: "Gilt og viðurkennt – land: {country}",
    not_ok: "Ekki gilt og viðurkennt – land: {country}",
    signature: "Undirskrift útgefanda", sig_ok: "staðfest", sig_bad: "ekki staðfest",
    issued: "Útgefið", grade: "Einkunn", valid_now: "Lýsing og veitandi í gildi",
    yes: "já", no: "nei",
    footer: "Hvert svar kemur úr undirrituðum skrám landsyfirvalda, með sönnun sem má sannreyna án nettengingar.",
  },
  it: {
    title: "Riconoscimento delle microcredenziali",
    node: "Risposta del nodo nazionale:",
    langs: "Lingua",
    search_h: "Cerca una microcredenziale",
    search_ph: "Titolo, materia o erogatore",
    search_b: "Cerca",
    searching: "Ricerca in corso…",
    hits: { one: "{n} microcredenziale", many: "{n} di microcredenziali", other: "{n} microcredenziali" },
    no_hits: "Nessuna microcredenziale corrisponde.",
    matrix_h: "Riconoscimento nei 30 paesi",
    purpose: "Finalità",
    further_study: "Prosecuzione degli studi", employment: "Occupazione", both: "Entrambe",
    proof: "Scarica il pacchetto di prova",
    terms_hint: "Passa sopra un paese o fai clic su di esso per vederne le condizioni.",
    full: "Riconoscimento pieno", partial: "Riconoscimento parziale",
    conditional: "Riconoscimento condizionato", denied: "Negato",
    no_answer: "Nessuna decisione né politica", absent: "Nessuna autorità nella rete",
    result: "Esito", recognised: "Riconosciuti", differences: "Differenze sostanziali",
    conditions: "Condizioni", appeal: "Ricorso", validity: "Valido",
    valid_range: "dal {from} al {until}", valid_open: "dal {from} (senza scadenza)",
    ects: { one: "{n} credito ECTS", many: "{n} di crediti ECTS", other: "{n} crediti ECTS" },
    eqf: "livello EQF {n}",
    decision: "decisione", policy: "politica", pathway: "percorso", no_decision: "nessuna decisione",
    provider: "Erogatore", spec: "Microcredenziale",
    verify_h: "Verifica una credenziale",
    country: "Paese",
    drop: "Trascina qui il file di una credenziale, oppure sceglilo",
    checking: "Verifica in corso…",
    ok: "Valida e riconosciuta – paese: {country}",
    not_ok: "Non valida e riconosciuta – paese: {country}",
    signature: "Firma dell’emittente", sig_ok: "verificata", sig_bad: "non verificata",
    issued: "Rilasciata", grade: "Valutazione", valid_now: "Descrizione ed erogatore in vigore",
    yes: "sì", no: "no",
    footer: "Ogni risposta proviene dai registri firmati delle autorità nazionali, con una prova verificabile offline.",
  },
  lt: {
    title: "Mikrokredencialų pripažinimas",
    node: "Atsako mazgas:",
    langs: "Kalba",
    search_h: "Ieškoti mikrokredencialo",
    search_ph: "Pavadinimas, sritis arba teikėjas",
    search_b: "Ieškoti",
    searching: "Ieškoma…",
    hits: { one: "{n} mikrokredencialas", few: "{n} mikrokredencialai", many: "{n} mikrokredencialo", other: "{n} mikrokredencialų" },
    no_hits: "Atitinkančių mikrokredencialų nėra.",
    matrix_h: "Pripažinimas 30 šalių",
    purpose: "Tikslas",
    further_study: "Tolesnės studijos", employment: "Įsidarbinimas", both: "Abu",
    proof: "Atsisiųsti įrodymų rinkinį",
    terms_hint: "Užveskite žymeklį ant šalies arba spustelėkite ją, kad pamatytumėte jos sąlygas.",
    full: "Visiškas pripažinimas", partial: "Dalinis pripažinimas",
    conditional: "Sąlyginis pripažinimas", denied: "Atsisakyta",
    no_answer: "Nėra sprendimo ar politikos", absent: "Tinkle nėra institucijos",
    result: "Rezultatas", recognised: "Pripažinta", differences: "Esminiai skirtumai",
    conditions: "Sąlygos", appeal: "Apskundimas", validity: "Galioja",
    valid_range: "nuo {from} iki {until}", valid_open: "nuo {from} (neterminuotai)",
    ects: "{n} ECTS", eqf: "EKS {n} lygis",
    decision: "sprendimas", policy: "politika", pathway: "mokymosi kelias", no_decision: "sprendimo nėra",
    provider: "Teikėjas", spec: "Mikrokredencialas",
    verify_h: "Patikrinti kredencialą",
    country: "Šalis",
    drop: "Nutempkite kredencialo failą čia arba jį pasirinkite",
    checking: "Tikrinama…",
    ok: "Galiojantis ir pripažintas – šalis: {country}",
    not_ok: "Negaliojantis arba nepripažintas – šalis: {country}",
    signature: "Išdavėjo parašas", sig_ok: "patvirtintas", sig_bad: "nepatvirtintas",
    issued: "Išduota", grade: "Įvertinimas", valid_now: "Aprašas ir teikėjas galioja",
    yes: "taip", no: "ne",
    footer: "Kiekvienas atsakymas gaunamas iš pasirašytų nacionalinių institucijų žurnalų, su įrodymu, kurį galima patikrinti neprisijungus.",
  },
  lv: {
    title: "Mikrokvalifikāciju atzīšana",
    node: "Atbild mezgls:",
    langs: "Valoda",
    search_h: "Meklēt mikrokvalifikāciju",
    search_ph: "Nosaukums, joma vai nodrošinātājs",
    search_b: "Meklēt",
    searching: "Notiek meklēšana…",
    hits: { zero: "{n} mikrokvalifikāciju", one: "{n} mikrokvalifikācija", other: "{n} mikrokvalifikācijas" },
    no_hits: "Neviena mikrokvalifikācija neatbilst.",
    matrix_h: "Atzīšana 30 valstīs",
    purpose: "Mērķis",
    further_study: "Tālākas studijas", employment: "Nodarbinātība", both: "Abi",
    proof: "Lejupielādēt pierādījumu paketi",
    terms_hint: "Norādiet uz valsti vai noklikšķiniet uz tās, lai redzētu tās nosacījumus.",
    full: "Pilnīga atzīšana", partial: "Daļēja atzīšana",
    conditional: "Nosacīta atzīšana", denied: "Atteikts",
    no_answer: "Nav lēmuma vai politikas", absent: "Tīklā nav iestādes",
    result: "Rezultāts", recognised: "Atzīts", differences: "Būtiskas atšķirības",
    conditions: "Nosacījumi", appeal: "Pārsūdzēšana", validity: "Derīgs",
    valid_range: "no {from} līdz {until}", valid_open: "no {from} (beztermiņa)",
    ects: "{n} ECTS", eqf: "EKI {n}. līmenis",
    decision: "lēmums", policy: "politika", pathway: "mācību ceļš", no_decision: "nav lēmuma",
    provider: "Nodrošinātājs", spec: "Mikrokvalifikācija",
    verify_h: "Pārbaudīt apliecinājumu",
    country: "Valsts",
    drop: "Ievelciet šeit apliecinājuma failu vai izvēlieties to",
    checking: "Notiek pārbaude…",
    ok: "Derīgs un atzīts – valsts: {country}",
    not_ok: "Nav derīgs un atzīts – valsts: {country}",
    signature: "Izdevēja paraksts", sig_ok: "apstiprināts", sig_bad: "nav apstiprināts",
    issued: "Izdots", grade: "Vērtējums", valid_now: "Apraksts un nodrošinātājs ir spēkā",
    yes: "jā", no: "nē",
    footer: "Katra atbilde nāk no valstu iestāžu parakstītajiem žurnāliem, ar pierādījumu, ko var pārbaudīt bezsaistē.",
  },
  mt: {
    title: "Rikonoxximent tal-mikrokredenzjali",
    node: "Risposta min-nodu:",
    langs: "Lingwa",
    search_h: "Fittex mikrokredenzjal",
    search_ph: "Titlu, suġġett jew fornitur",
    search_b: "Fittex",
    searching: "Qed infittxu…",
    hits: { one: "{n} mikrokredenzjal", two: "{n} mikrokredenzjali", few: "{n} mikrokredenzjali", many: "{n}-il mikrokredenzjal", other: "{n} mikrokredenzjal" },
    no_hits: "L-ebda mikrokredenzjal ma jaqbel.",
    matrix_h: "Rikonoxximent fit-30 pajjiż",
    purpose: "Skop",
    further_study: "Aktar studju", employment: "Impjieg", both: "It-tnejn",
    proof: "Niżżel il-pakkett tal-prova",
    terms_hint: "Ipponta lejn pajjiż jew ikklikkja fuqu biex tara t-termini tiegħu.",
    full: "Rikonoxximent sħiħ", partial: "Rikonoxximent parzjali",
    conditional: "Rikonoxximent kundizzjonali", denied: "Miċħud",
    no_answer: "L-ebda deċiżjoni jew politika", absent: "L-ebda awtorità fin-netwerk",
    result: "Riżultat", recognised: "Rikonoxxut", differences: "Differenzi sostanzjali",
    conditions: "Kundizzjonijiet", appeal: "Appell", validity: "Validu",
    valid_range: "minn {from} sa {until}", valid_open: "minn {from} (bla limitu ta’ żmien)",
    ects: "{n} ECTS", eqf: "livell {n} tal-QEK",
    decision: "deċiżjoni", policy: "politika", pathway: "perkors", no_decision: "l-ebda deċiżjoni",
    provider: "Fornitur", spec: "Mikrokredenzjal",
    verify_h: "Iċċekkja kredenzjal",
    country: "Pajjiż",
    drop: "Itfa’ fajl ta’ kredenzjal hawn, jew agħżel wieħed",
    checking: "Qed niċċekkjaw…",
    ok: "Validu u rikonoxxut minn: {country}",
    not_ok: "Mhux validu u rikonoxxut minn: {country}",
    signature: "Firma tal-emittent", sig_ok: "ivverifikata", sig_bad: "mhix ivverifikata",
    issued: "Maħruġ", grade: "Grad", valid_now: "Speċifikazzjoni u fornitur fis-seħħ",
    yes: "iva", no: "le",
    footer: "Kull tweġiba tiġi mir-reġistri ffirmati tal-awtoritajiet nazzjonali, bi prova li tista’ tiġi ċċekkjata offline.",
  },
  nb: {
    title: "Godkjenning av mikrokvalifikasjoner",
    node: "Besvart av noden for",
    langs: "Språk",
    search_h: "Finn en mikrokvalifikasjon",
    search_ph: "Tittel, fagområde eller tilbyder",
    search_b: "Søk",
    searching: "Søker…",
    hits: { one: "{n} mikrokvalifikasjon", other: "{n} mikrokvalifikasjoner" },
    no_hits: "Ingen mikrokvalifikasjon samsvarer.",
    matrix_h: "Godkjenning i de 30 landene",
    purpose: "Formål",
    further_study: "Videre studier", employment: "Arbeid", both: "Begge",
    proof: "Last ned bevispakken",
    terms_hint: "Pek på eller klikk på et land for å se vilkårene.",
    full: "Full godkjenning", partial: "Delvis godkjenning",
    conditional: "Betinget godkjenning", denied: "Avslått",
    no_answer: "Ingen vedtak eller retningslinjer", absent: "Ingen myndighet i nettverket",
    result: "Resultat", recognised: "Godkjent", differences: "Vesentlige forskjeller",
    conditions: "Vilkår", appeal: "Klage", validity: "Gyldig",
    valid_range: "fra {from} til {until}", valid_open: "fra {from} (uten tidsbegrensning)",
    ects: "{n} studiepoeng (ECTS)", eqf: "EQF-nivå {n}",
    decision: "vedtak", policy: "retningslinje", pathway: "utdanningsløp", no_decision: "ingen vedtak",
    provider: "Tilbyder", spec: "Mikrokvalifikasjon",
    verify_h: "Kontroller et kompetansebevis",
    country: "Land",
    drop: "Slipp en fil med et kompetansebevis her, eller velg en",
    checking: "Kontrollerer…",
    ok: "Gyldig og godkjent av {country}",
    not_ok: "Ikke gyldig og godkjent av {country}",
    signature: "Utstederens signatur", sig_ok: "er bekreftet", sig_bad: "kan ikke bekreftes",
    issued: "Utstedt", grade: "Karakter", valid_now: "Beskrivelse og tilbyder gjeldende",
    yes: "ja", no: "nei",
    footer: "Hvert svar kommer fra de signerte loggene til de nasjonale myndighetene, med et bevis som kan kontrolleres uten nett.",
  },
  nl: {
    title: "Erkenning van microcredentials",
    node: "Beantwoord door het knooppunt van",
    langs: "Taal",
    search_h: "Een microcredential zoeken",
    search_ph: "Titel, vakgebied of aanbieder",
    search_b: "Zoeken",
    searching: "Bezig met zoeken…",
    hits: { one: "{n} microcredential", other: "{n} microcredentials" },
    no_hits: "Geen enkele microcredential komt overeen.",
    matrix_h: "Erkenning in de 30 landen",
    purpose: "Doel",
    further_study: "Verdere studie", employment: "Werk", both: "Beide",
    proof: "Het bewijspakket downloaden",
    terms_hint: "Wijs een land aan of klik erop om de voorwaarden te zien.",
    full: "Volledige erkenning", partial: "Gedeeltelijke erkenning",
    conditional: "Voorwaardelijke erkenning", denied: "Geweigerd",
    no_answer: "Geen besluit of beleid", absent: "Geen autoriteit in het netwerk",
    result: "Resultaat", recognised: "Erkend", differences: "Wezenlijke verschillen",
    conditions: "Voorwaarden", appeal: "Beroep", validity: "Geldig",
    valid_range: "van {from} tot {until}", valid_open: "vanaf {from} (onbepaalde tijd)",
    ects: "{n} ECTS", eqf: "EQF-niveau {n}",
    decision: "besluit", policy: "beleid", pathway: "leerroute", no_decision: "geen besluit",
    provider: "Aanbieder", spec: "Microcredential",
    verify_h: "Een credential controleren",
    country: "Land",
    drop: "Sleep een credentialbestand hierheen, of kies er een",
    checking: "Bezig met controleren…",
    ok: "Geldig en erkend door {country}",
    not_ok: "Niet geldig en erkend door {country}",
    signature: "Handtekening van de uitgever", sig_ok: "geverifieerd", sig_bad: "niet geverifieerd",
    issued: "Uitgereikt", grade: "Beoordeling", valid_now: "Beschrijving en aanbieder van kracht",
    yes: "ja", no: "nee",
    footer: "Elk antwoord komt uit de ondertekende logboeken van de nationale autoriteiten, met een bewijs dat offline te controleren is.",
  },
  pl: {
    title: "Uznawanie mikropoświadczeń",
    node: "Odpowiedź węzła:",
    langs: "Język",
    search_h: "Znajdź mikropoświadczenie",
    search_ph: "Nazwa, dziedzina lub podmiot prowadzący",
    search_b: "Szukaj",
    searching: "Wyszukiwanie…",
    hits: { one: "{n} mikropoświadczenie", few: "{n} mikropoświadczenia", many: "{n} mikropoświadczeń", other: "{n} mikropoświadczenia" },
    no_hits: "Brak pasujących mikropoświadczeń.",
    matrix_h: "Uznawanie w 30 państwach",
    purpose: "Cel",
    further_study: "Dalsze kształcenie", employment: "Zatrudnienie", both: "Oba",
    proof: "Pobierz pakiet dowodowy",
    terms_hint: "Wskaż państwo lub kliknij je, aby zobaczyć jego warunki.",
    full: "Pełne uznanie", partial: "Częściowe uznanie",
    conditional: "Uznanie warunkowe", denied: "Odmowa",
    no_answer: "Brak decyzji i polityki", absent: "Brak organu w sieci",
    result: "Wynik", recognised: "Uznano", differences: "Istotne różnice",
    conditions: "Warunki", appeal: "Odwołanie", validity: "Ważne",
    valid_range: "od {from} do {until}", valid_open: "od {from} (bezterminowo)",
    ects: "{n} ECTS", eqf: "poziom {n} ERK",
    decision: "decyzja", policy: "polityka", pathway: "ścieżka kształcenia", no_decision: "brak decyzji",
    provider: "Podmiot prowadzący", spec: "Mikropoświadczenie",
    verify_h: "Sprawdź poświadczenie",
    country: "Państwo",
    drop: "Upuść tutaj plik poświadczenia lub wybierz go",
    checking: "Sprawdzanie…",
    ok: "Ważne i uznane – państwo: {country}",
    not_ok: "Nieważne lub nieuznane – państwo: {country}",
    signature: "Podpis wystawcy", sig_ok: "zweryfikowany", sig_bad: "niezweryfikowany",
    issued: "Wydano", grade: "Ocena", valid_now: "Opis i podmiot prowadzący obowiązują",
    yes: "tak", no: "nie",
    footer: "Każda odpowiedź pochodzi z podpisanych rejestrów organów krajowych i zawiera dowód, który można sprawdzić offline.",
  },
  pt: {
    title: "Reconhecimento de microcredenciais",
    node: "Respondido pelo nó de",
    langs: "Língua",
    search_h: "Procurar uma microcredencial",
    search_ph: "Título, área ou entidade formadora",
    search_b: "Procurar",
    searching: "A procurar…",
    hits: { one: "{n} microcredencial", many: "{n} de microcredenciais", other: "{n} microcredenciais" },
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
    conditions: "Condições", appeal: "Recurso", validity: "Válido",
    valid_range: "de {from} até {until}", valid_open: "desde {from} (sem termo)",
    ects: "{n} ECTS", eqf: "nível {n} do QEQ",
    decision: "decisão", policy: "política", pathway: "percurso", no_decision: "sem decisão",
    provider: "Entidade formadora", spec: "Microcredencial",
    verify_h: "Verificar uma credencial",
    country: "País",
    drop: "Largue aqui um ficheiro de credencial, ou escolha um",
    checking: "A verificar…",
    ok: "Válida e reconhecida – país: {country}",
    not_ok: "Não é válida e reconhecida – país: {country}",
    signature: "Assinatura do emissor", sig_ok: "verificada", sig_bad: "não verificada",
    issued: "Emitida", grade: "Classificação", valid_now: "Especificação e entidade em vigor",
    yes: "sim", no: "não",
    footer: "Cada resposta vem dos registos assinados das autoridades nacionais, com uma prova verificável offline.",
  },
  ro: {
    title: "Recunoașterea microcertificatelor",
    node: "Răspuns de la nodul:",
    langs: "Limba",
    search_h: "Căutați un microcertificat",
    search_ph: "Titlu, domeniu sau furnizor",
    search_b: "Căutare",
    searching: "Se caută…",
    hits: { one: "{n} microcertificat", few: "{n} microcertificate", other: "{n} de microcertificate" },
    no_hits: "Niciun microcertificat nu corespunde.",
    matrix_h: "Recunoașterea în cele 30 de țări",
    purpose: "Scop",
    further_study: "Continuarea studiilor", employment: "Ocuparea unui loc de muncă", both: "Ambele",
    proof: "Descărcați pachetul de probă",
    terms_hint: "Indicați sau faceți clic pe o țară pentru a vedea condițiile acesteia.",
    full: "Recunoaștere integrală", partial: "Recunoaștere parțială",
    conditional: "Recunoaștere condiționată", denied: "Respinsă",
    no_answer: "Nicio decizie sau politică", absent: "Nicio autoritate în rețea",
    result: "Rezultat", recognised: "Recunoscut", differences: "Diferențe substanțiale",
    conditions: "Condiții", appeal: "Cale de atac", validity: "Valabil",
    valid_range: "de la {from} până la {until}", valid_open: "de la {from} (pe durată nedeterminată)",
    ects: { one: "{n} credit ECTS", few: "{n} credite ECTS", other: "{n} de credite ECTS" },
    eqf: "nivelul {n} CEC",
    decision: "decizie", policy: "politică", pathway: "parcurs", no_decision: "nicio decizie",
    provider: "Furnizor", spec: "Microcertificat",
    verify_h: "Verificați un certificat",
    country: "Țara",
    drop: "Plasați aici fișierul unui certificat sau alegeți unul",
    checking: "Se verifică…",
    ok: "Valabil și recunoscut – țara: {country}",
    not_ok: "Nu este valabil și recunoscut – țara: {country}",
    signature: "Semnătura emitentului", sig_ok: "verificată", sig_bad: "neverificată",
    issued: "Emis", grade: "Calificativ", valid_now: "Descriere și furnizor în vigoare",
    yes: "da", no: "nu",
    footer: "Fiecare răspuns provine din registrele semnate ale autorităților naționale, cu o probă care poate fi verificată offline.",
  },
  sk: {
    title: "Uznávanie mikrocertifikátov",
    node: "Odpovedá uzol krajiny:",
    langs: "Jazyk",
    search_h: "Vyhľadať mikrocertifikát",
    search_ph: "Názov, odbor alebo poskytovateľ",
    search_b: "Hľadať",
    searching: "Vyhľadáva sa…",
    hits: { one: "{n} mikrocertifikát", few: "{n} mikrocertifikáty", many: "{n} mikrocertifikátu", other: "{n} mikrocertifikátov" },
    no_hits: "Nezodpovedá žiadny mikrocertifikát.",
    matrix_h: "Uznávanie v 30 krajinách",
    purpose: "Účel",
    further_study: "Ďalšie štúdium", employment: "Zamestnanie", both: "Oboje",
    proof: "Stiahnuť balík dôkazov",
    terms_hint: "Ukážte na krajinu alebo na ňu kliknite a zobrazia sa jej podmienky.",
    full: "Úplné uznanie", partial: "Čiastočné uznanie",
    conditional: "Podmienečné uznanie", denied: "Zamietnuté",
    no_answer: "Žiadne rozhodnutie ani politika", absent: "V sieti nie je žiadny orgán",
    result: "Výsledok", recognised: "Uznané", differences: "Podstatné rozdiely",
    conditions: "Podmienky", appeal: "Opravný prostriedok", validity: "Platnosť",
    valid_range: "od {from} do {until}", valid_open: "od {from} (bez obmedzenia)",
    ects: "{n} ECTS", eqf: "úroveň EKR {n}",
    decision: "rozhodnutie", policy: "politika", pathway: "vzdelávacia cesta", no_decision: "bez rozhodnutia",
    provider: "Poskytovateľ", spec: "Mikrocertifikát",
    verify_h: "Overiť doklad",
    country: "Krajina",
    drop: "Presuňte sem súbor s dokladom alebo ho vyberte",
    checking: "Overuje sa…",
    ok: "Platný a uznaný – krajina: {country}",
    not_ok: "Nie je platný a uznaný – krajina: {country}",
    signature: "Podpis vydavateľa", sig_ok: "overený", sig_bad: "neoverený",
    issued: "Vydané", grade: "Hodnotenie", valid_now: "Špecifikácia a poskytovateľ v platnosti",
    yes: "áno", no: "nie",
    footer: "Každá odpoveď pochádza z podpísaných záznamov vnútroštátnych orgánov, s dôkazom, ktorý možno overiť offline.",
  },
  sl: {
    title: "Priznavanje mikrodokazil",
    node: "Odgovarja vozlišče:",
    langs: "Jezik",
    search_h: "Poiščite mikrodokazilo",
    search_ph: "Naziv, področje ali izvajalec",
    search_b: "Išči",
    searching: "Iskanje…",
    hits: { one: "{n} mikrodokazilo", two: "{n} mikrodokazili", few: "{n} mikrodokazila", other: "{n} mikrodokazil" },
    no_hits: "Nobeno mikrodokazilo ne ustreza.",
    matrix_h: "Priznavanje v 30 državah",
    purpose: "Namen",
    further_study: "Nadaljnji študij", employment: "Zaposlitev", both: "Oboje",
    proof: "Prenesite paket dokazov",
    terms_hint: "Pokažite na državo ali jo kliknite, da vidite njene pogoje.",
    full: "Popolno priznanje", partial: "Delno priznanje",
    conditional: "Pogojno priznanje", denied: "Zavrnjeno",
    no_answer: "Ni odločitve ali politike", absent: "V omrežju ni organa",
    result: "Izid", recognised: "Priznano", differences: "Bistvene razlike",
    conditions: "Pogoji", appeal: "Pravno sredstvo", validity: "Velja",
    valid_range: "od {from} do {until}", valid_open: "od {from} (brez omejitve)",
    ects: "{n} ECTS", eqf: "raven EOK {n}",
    decision: "odločba", policy: "politika", pathway: "učna pot", no_decision: "ni odločbe",
    provider: "Izvajalec", spec: "Mikrodokazilo",
    verify_h: "Preverite dokazilo",
    country: "Država",
    drop: "Spustite sem datoteko z dokazilom ali jo izberite",
    checking: "Preverjanje…",
    ok: "Veljavno in priznano – država: {country}",
    not_ok: "Ni veljavno in priznano – država: {country}",
    signature: "Podpis izdajatelja", sig_ok: "je preverjen", sig_bad: "ni preverjen",
    issued: "Izdano", grade: "Ocena", valid_now: "Opis in izvajalec veljata",
    yes: "da", no: "ne",
    footer: "Vsak odgovor izhaja iz podpisanih dnevnikov nacionalnih organov, z dokazom, ki ga je mogoče preveriti brez povezave.",
  },
  sv: {
    title: "Erkännande av mikromeriter",
    node: "Besvarat av noden för",
    langs: "Språk",
    search_h: "Sök en mikromerit",
    search_ph: "Titel, ämnesområde eller anordnare",
    search_b: "Sök",
    searching: "Söker…",
    hits: { one: "{n} mikromerit", other: "{n} mikromeriter" },
    no_hits: "Ingen mikromerit matchar.",
    matrix_h: "Erkännande i de 30 länderna",
    purpose: "Syfte",
    further_study: "Fortsatta studier", employment: "Anställning", both: "Båda",
    proof: "Ladda ned bevispaketet",
    terms_hint: "Peka på eller klicka på ett land för att se dess villkor.",
    full: "Fullständigt erkännande", partial: "Delvis erkännande",
    conditional: "Villkorat erkännande", denied: "Avslag",
    no_answer: "Inget beslut eller riktlinje", absent: "Ingen myndighet i nätverket",
    result: "Resultat", recognised: "Erkänt", differences: "Väsentliga skillnader",
    conditions: "Villkor", appeal: "Överklagande", validity: "Giltigt",
    valid_range: "från {from} till {until}", valid_open: "från {from} (tills vidare)",
    ects: "{n} ECTS-poäng", eqf: "EQF-nivå {n}",
    decision: "beslut", policy: "riktlinje", pathway: "studieväg", no_decision: "inget beslut",
    provider: "Anordnare", spec: "Mikromerit",
    verify_h: "Kontrollera ett intyg",
    country: "Land",
    drop: "Släpp en fil med ett intyg här, eller välj en",
    checking: "Kontrollerar…",
    ok: "Giltigt och erkänt av {country}",
    not_ok: "Inte giltigt och erkänt av {country}",
    signature: "Utfärdarens signatur", sig_ok: "är verifierad", sig_bad: "kan inte verifieras",
    issued: "Utfärdat", grade: "Betyg", valid_now: "Beskrivning och anordnare gällande",
    yes: "ja", no: "nej",
    footer: "Varje svar kommer från de nationella myndigheternas signerade loggar, med ett bevis som kan kontrolleras offline.",
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

/*
 * The text of key in the page's language, its placeholders filled from args: a number is
 * formatted for the language, anything else shown as it is. A text that counts is chosen by the
 * plural category of args.n.
 */
function t(key, args = {}) {
  let v = (TEXT[lang] && TEXT[lang][key]) ?? TEXT.en[key] ?? key;
  if (typeof v === "object") v = v[new Intl.PluralRules(lang).select(args.n ?? 0)] ?? v.other;
  return v.replace(/\{(\w+)\}/g, (m, k) =>
    (k in args ? (typeof args[k] === "number" ? numberText(args[k]) : String(args[k])) : m));
}

function numberText(n) {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(n);
}

/*
 * A time of the API (RFC 3339, UTC) in the page's language: the day alone when it is midnight
 * UTC, else the day and the time in UTC. Anything else is shown as it came.
 */
function dateText(s) {
  if (typeof s !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(s)) return s;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  const opt = { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" };
  if (d.getUTCHours() || d.getUTCMinutes() || d.getUTCSeconds())
    Object.assign(opt, { hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  try {
    return new Intl.DateTimeFormat(lang, opt).format(d);
  } catch (e) {
    return s;
  }
}

/*
 * A country's or a language's name, from the browser's Intl in the page's language. A browser
 * may lack the names in a language it otherwise knows (chromium has none in Irish or Maltese):
 * the English name then, never the bare code.
 */
function displayName(type, code, l) {
  for (const locales of [[l, "en"], ["en"]]) {
    try {
      const name = new Intl.DisplayNames(locales, { type, fallback: "none" }).of(code);
      if (name && name !== code) return name;
    } catch (e) {
      /* a language Intl does not know: try English */
    }
  }
  return code;
}

function countryName(cc) {
  return displayName("region", cc, lang);
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

/* Recognised or offered ECTS credits, in the page's language ("1,5 ECTS"), or null. */
function ectsText(v) {
  if (v == null || v === "") return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? t("ects", { n }) : `${v} ${TEXT.en.ects.replace("{n} ", "")}`;
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

/* The languages offered on the node of country cc: English, then the country's own. */
function offeredFor(cc) {
  return ["en", ...(NODE_LANG[cc] || []).filter((l) => l !== "en" && TEXT[l])];
}

/* The reader's choice if kept, else the first of the browser's languages offered, else English. */
function chooseLang() {
  let stored = null;
  try {
    stored = localStorage.getItem("recnet.lang");
  } catch (e) {
    stored = null; /* storage refused (private mode): the browser's languages decide */
  }
  if (stored && offered.includes(stored)) return stored;
  for (const l of navigator.languages || [navigator.language]) {
    if (!l) continue;
    const base = l.toLowerCase().split("-")[0];
    const code = LANG_ALIAS[base] || base;
    if (offered.includes(code)) return code;
  }
  return "en";
}

function languageName(l) {
  return displayName("language", l, l);
}

function applyLang() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  for (const e of document.querySelectorAll("[data-tp]")) e.placeholder = t(e.dataset.tp);
  document.title = t("title");
  const langs = $("langs");
  langs.setAttribute("aria-label", t("langs"));
  langs.replaceChildren(...offered.map((l) => el("button", {
    type: "button", "data-lang": l, lang: l, title: languageName(l), "aria-pressed": String(l === lang),
    onclick: () => {
      try {
        localStorage.setItem("recnet.lang", l);
      } catch (e) {
        /* not kept across visits: storage refused */
      }
      lang = l;
      applyLang();
    },
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
  $("search-status").textContent = hits.length ? t("hits", { n: hits.length }) : t("no_hits");
  $("hits").replaceChildren(...hits.map((h) => {
    const meta = [h.spec_id];
    const e = ectsText(h.ects);
    if (e) meta.push(e);
    if (h.eqf != null) meta.push(t("eqf", { n: h.eqf }));
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
  if (e) rec.push(e);
  if (ans.eqf != null) rec.push(t("eqf", { n: ans.eqf }));
  add("recognised", rec.join(", "));
  if (Array.isArray(ans.differences) && ans.differences.length)
    add("differences", ans.differences.map((d) => `${d.type}${d.note ? `: ${d.note}` : ""}`).join("; "));
  add("conditions", localized(ans.conditions));
  add("appeal", localized(ans.appeal));
  if (ans.valid_from)
    add("validity", ans.valid_until
      ? t("valid_range", { from: dateText(ans.valid_from), until: dateText(ans.valid_until) })
      : t("valid_open", { from: dateText(ans.valid_from) }));
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
  add("issued", dateText(c.issued_at));
  add("grade", c.grade);
  add("signature", `${c.signature_ok ? t("sig_ok") : t("sig_bad")}${c.signature_note ? ` (${c.signature_note})` : ""}`);
  if (node.valid !== undefined) add("valid_now", node.valid ? t("yes") : t("no"));
  const proofBtn = el("button", { type: "button", class: "button secondary", onclick: downloadVerifyProof }, t("proof"));
  $("verdict").replaceChildren(
    el("p", { class: `verdict ${ok ? "ok" : "bad"}`, "data-ok": String(ok) },
      `${t(ok ? "ok" : "not_ok", { country: `${countryName(cc)} (${cc})` })} · ${t(purpose)}`),
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
      offered = offeredFor(st.country);
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

/* In the browser, the page starts; under Node.js (tests/unit/www_lang_test.js) the texts are read. */
if (typeof module !== "undefined" && module.exports)
  module.exports = { TEXT, NODE_LANG, LANG_ALIAS, COUNTRIES, offeredFor };
else start();
