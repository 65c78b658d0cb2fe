#!/usr/bin/env bash
# gen_registry.sh: a realistic registry of an authority in JSON Lines, for `recnetctl registry
# import`, made from the real records of tests/fixtures/demo (each line one of them with its ids
# renamed), as the registry import integration test and benchmark use it.
#
#   gen_registry.sh FIXTURES_DIR COUNTRY ISSUER_KEY OLD_KEY N > registry.jsonl
#
# About N records (exactly N when N is a multiple of 100), in the proportions of a national
# registry with years of history: per 100 records, 2 awarding bodies (the Irish provider, one of
# them with an earlier issuer key, OLD_KEY, whose window closed in 2023), 60 specs (the Irish ELM spec), 20
# later versions of those specs (a corrected ECTS, then some withdrawn: a spec's history, placed
# after other records as it happened), 10 decisions on them (France's), 6 revocations (the Irish
# one) and one policy and one pathway (Germany's and the Netherlands'). Every id carries COUNTRY's
# prefix; ISSUER_KEY (rn1:...) is the providers' issuer key.
set -euo pipefail
fx=$1 cc=$2 ikey=$3 okey=$4 n=$5
one() { tr -d '\n' <"$fx/demo/$1"; echo; }
{
    one ie-provider.json
    one ie-spec.json
    one fr-decision.json
    one ie-revocation.json
    one de-policy.json
    one nl-pathway.json
} | awk -v cc="$cc" -v ikey="$ikey" -v okey="$okey" -v n="$n" '
function rep(s, a, b,    i, out) {
    out = ""
    while ((i = index(s, a)) > 0) {
        out = out substr(s, 1, i - 1) b
        s = substr(s, i + length(a))
    }
    return out s
}
{ t[NR] = $0 }
END {
    blocks = int((n + 99) / 100)
    for (b = 0; b < blocks; b++) {
        for (p = 0; p < 2; p++) {
            pid = cc ":prov-" b "-" p
            s = rep(t[1], "\"IE:uniz\"", "\"" pid "\"")
            s = rep(s, "\"country\": \"IE\"", "\"country\": \"" cc "\"")
            s = rep(s, "University of Zed", "University of Zed " b "-" p)
            s = rep(s, "@ISSUER_KEY@", ikey)
            if (p == 1)
                s = rep(s, "[{\"key\": \"" ikey "\", \"valid_from\": \"2022-01-01\"", "[{\"key\": \"" okey "\", \"valid_from\": \"2019-01-01\", \"valid_until\": \"2023-06-30\"}, {\"key\": \"" ikey "\", \"valid_from\": \"2023-07-01\"")
            print "{\"kind\": \"provider\", " substr(s, 2)
        }
        for (k = 0; k < 60; k++) {
            sid = cc ":prov-" b "-" (k % 2) "/mc-" k
            s = rep(t[2], "\"IE:uniz/mc-c012\"", "\"" sid "\"")
            s = rep(s, "\"IE:uniz\"", "\"" cc ":prov-" b "-" (k % 2) "\"")
            spec[k] = s
            print "{\"kind\": \"spec\", " substr(s, 2)
        }
        for (k = 0; k < 10; k++) {
            s = rep(t[3], "\"FR:enic-naric/2025-0042\"", "\"" cc ":office/dec-" b "-" k "\"")
            s = rep(s, "\"IE:uniz/mc-c012\"", "\"" cc ":prov-" b "-" (k % 2) "/mc-" k "\"")
            print "{\"kind\": \"decision\", " substr(s, 2)
        }
        for (k = 0; k < 6; k++) {
            s = rep(t[4], "@CREDENTIAL@", sprintf("%08x%056x", b, k + 1))
            s = rep(s, "\"IE:uniz\"", "\"" cc ":prov-" b "-" (k % 2) "\"")
            print "{\"kind\": \"revocation\", " substr(s, 2)
        }
        s = rep(t[5], "\"DE:kmk/auto-eqf4-6-external-qa\"", "\"" cc ":office/policy-" b "\"")
        print "{\"kind\": \"policy\", " substr(s, 2)
        s = rep(t[6], "\"NL:pathway/minor-psychology\"", "\"" cc ":pathway/p-" b "\"")
        s = rep(s, "\"NL:42NB/ach-44ABA\"", "\"" cc ":prov-" b "-0/mc-0\"")
        print "{\"kind\": \"pathway\", " substr(s, 2)
        # The history: 20 specs corrected (ECTS 2 -> 2.5), the last 5 of them then withdrawn.
        for (k = 0; k < 20; k++) {
            s = rep(spec[k], "\"ects\": 2,", "\"ects\": 2.5,")
            if (k >= 15)
                s = rep(s, "\"status\": \"active\"", "\"status\": \"withdrawn\"")
            print "{\"kind\": \"spec\", " substr(s, 2)
        }
    }
}'
