/*
 * cred_tl_test.c: eIDAS trusted lists as trust anchors (cred/tl.c). A national trusted list of
 * ETSI TS 119 612 v2 is written here (SchemeInformation; two trust service providers, one with a
 * CA/QC service granted and a time-stamping service, the other with a CA/QC service withdrawn
 * after being granted, each with its ServiceHistory), signed here with xmlsec1 as a scheme
 * operator signs it (an enveloped XML signature with XAdES signed properties), with keys and CAs
 * made here with libcrypto. Then the ELM sample is sealed with certificates of those CAs and
 * checked: a seal chained to the granted CA/QC service passes and names the provider and the
 * country; a withdrawn service passes at a time it was granted and fails now; a time-stamping
 * service fails for its type. And each list that must be refused is, for its own reason:
 * unsigned, tampered, signed by another key, expired, closed, a signature that covers only part of
 * the list, a list of the lists, malformed XML, a DTD (entity expansion, external entities).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include "cred/cred.h"
#include "cred/tl.h"
#include "cred_sign.h"

#define ELM  RN_FIXTURES "/elm/Sample-MC-Annex1-unsigned.jsonld"
#define DAY  86400000ull
#define TLEN 21

static test_issuer signer_key, other_signer_key, ca_key, tsa_key, old_key, stray_key, leaf_key;
static X509 *signer, *other_signer, *ca_qc, *ca_tsa, *ca_old, *ca_stray;
static X509 *leaf_qc, *leaf_tsa, *leaf_old, *leaf_stray;
static uint64_t now_ms;
static char signer_pem[] = "/tmp/cred_tl_test_s.XXXXXX", tsl_path[] = "/tmp/cred_tl_test_l.XXXXXX";
static long serial = 1;

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                       long from_s, long to_s, bool is_ca)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), from_s);
    X509_gmtime_adj(X509_getm_notAfter(x), to_s);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"IE", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : n);
    if (is_ca) {
        X509_EXTENSION *e =
            X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
        e = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (X509_sign(x, issuer_key, EVP_sha256()) <= 0)
        abort();
    return x;
}

/* Standard base64 of a certificate's DER, into out. */
static void b64_cert(X509 *x, char *out, size_t n)
{
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    assert_true(len > 0);
    sodium_bin2base64(out, n, der, (size_t)len, sodium_base64_VARIANT_ORIGINAL);
    OPENSSL_free(der);
}

static void at(uint64_t ms, char out[TLEN])
{
    cred_time_format(ms, out);
}

/* How the list is written: each field a test changes. */
typedef struct tsl_opts {
    const char *version;     /* TSLVersionIdentifier */
    const char *type;        /* TSLType */
    const char *next_update; /* NextUpdate's dateTime, or NULL for a closed list */
    const char *prolog;      /* before the root: a DOCTYPE, or "" */
    const char *c_start;     /* the withdrawn service's StatusStartingTime, or NULL to omit */
    bool sign;               /* with a Signature */
    bool whole;              /* its first reference covers the whole list (URI "") */
    const char *qc_cert;     /* the granted service's X509Certificate, or NULL: ca_qc's */
    test_issuer *by;         /* the signing key (default signer_key) */
    X509 *by_cert;           /* in KeyInfo (default signer) */
} tsl_opts;

static tsl_opts defaults(void)
{
    static char next[TLEN];
    at(now_ms + 180 * DAY, next);
    tsl_opts o = { "5",         "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric",
                   next,        "",
                   "",          true,
                   true,        NULL,
                   &signer_key, signer };
    return o;
}

static void service(FILE *f, const char *type, const char *name, const char *cert_b64,
                    const char *status, const char *start)
{
    fprintf(f,
            "<ServiceInformation>"
            "<ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/%s</ServiceTypeIdentifier>"
            "<ServiceName><Name xml:lang=\"ga\">Seirbhis</Name><Name xml:lang=\"en\">%s</Name>"
            "</ServiceName>"
            "<ServiceDigitalIdentity><DigitalId><X509Certificate>%s</X509Certificate></DigitalId>"
            "<DigitalId><X509SubjectName>CN=%s,C=IE</X509SubjectName></DigitalId>"
            "</ServiceDigitalIdentity>"
            "<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/%s</ServiceStatus>",
            type, name, cert_b64, name, status);
    if (start != NULL)
        fprintf(f, "<StatusStartingTime>%s</StatusStartingTime>", start);
    fprintf(f, "<ServiceInformationExtensions><Extension Critical=\"false\">"
               "<AdditionalServiceInformation><URI xml:lang=\"en\">"
               "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals</URI>"
               "</AdditionalServiceInformation></Extension></ServiceInformationExtensions>"
               "</ServiceInformation>");
}

static void history(FILE *f, const char *type, const char *name, const char *status,
                    const char *start)
{
    fprintf(f,
            "<ServiceHistoryInstance>"
            "<ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/%s</ServiceTypeIdentifier>"
            "<ServiceName><Name xml:lang=\"en\">%s</Name></ServiceName>"
            "<ServiceDigitalIdentity><DigitalId><X509SKI>AAECAwQFBgcICQoLDA0ODxAREhM=</X509SKI>"
            "</DigitalId></ServiceDigitalIdentity>"
            "<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/%s</ServiceStatus>"
            "<StatusStartingTime>%s</StatusStartingTime></ServiceHistoryInstance>",
            type, name, status, start);
}

/* The list as text (malloc'd), unsigned: a Signature template when o->sign. */
static char *tsl_text(const tsl_opts *o)
{
    char *out = NULL;
    size_t len = 0;
    char b_qc[4096], b_tsa[4096], b_old[4096], b_sig[4096];
    char issued[TLEN], t400[TLEN], t10[TLEN], t2015[TLEN] = "2015-03-01T00:00:00Z";
    at(now_ms - 30 * DAY, issued);
    at(now_ms - 400 * DAY, t400);
    at(now_ms - 10 * DAY, t10);
    b64_cert(ca_qc, b_qc, sizeof(b_qc));
    b64_cert(ca_tsa, b_tsa, sizeof(b_tsa));
    b64_cert(ca_old, b_old, sizeof(b_old));
    b64_cert(o->by_cert, b_sig, sizeof(b_sig));
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n%s", o->prolog);
    fprintf(f,
            "<TrustServiceStatusList xmlns=\"http://uri.etsi.org/02231/v2#\" "
            "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"TrustServiceStatusList-1\" "
            "TSLTag=\"http://uri.etsi.org/19612/TSLTag\">\n"
            "<SchemeInformation>"
            "<TSLVersionIdentifier>%s</TSLVersionIdentifier>"
            "<TSLSequenceNumber>42</TSLSequenceNumber>"
            "<TSLType>%s</TSLType>"
            "<SchemeOperatorName><Name xml:lang=\"en\">Department of Enterprise, Trade and "
            "Employment</Name></SchemeOperatorName>"
            "<SchemeOperatorAddress><PostalAddresses><PostalAddress xml:lang=\"en\">"
            "<StreetAddress>23 Kildare Street</StreetAddress><Locality>Dublin</Locality>"
            "<CountryName>IE</CountryName></PostalAddress></PostalAddresses>"
            "<ElectronicAddress><URI xml:lang=\"en\">mailto:tsl@example.ie</URI>"
            "</ElectronicAddress></SchemeOperatorAddress>"
            "<SchemeName><Name xml:lang=\"en\">IE:Trusted list including information related to "
            "the qualified trust service providers</Name></SchemeName>"
            "<SchemeInformationURI><URI xml:lang=\"en\">https://tsl.example.ie/</URI>"
            "</SchemeInformationURI>"
            "<StatusDeterminationApproach>http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/"
            "EUappropriate</StatusDeterminationApproach>"
            "<SchemeTypeCommunityRules><URI xml:lang=\"en\">http://uri.etsi.org/TrstSvc/"
            "TrustedList/schemerules/EUcommon</URI></SchemeTypeCommunityRules>"
            "<SchemeTerritory>IE</SchemeTerritory>"
            "<PolicyOrLegalNotice><TSLLegalNotice xml:lang=\"en\">The applicable legal framework "
            "is Regulation (EU) No 910/2014.</TSLLegalNotice></PolicyOrLegalNotice>"
            "<HistoricalInformationPeriod>65535</HistoricalInformationPeriod>"
            "<ListIssueDateTime>%s</ListIssueDateTime>",
            o->version, o->type, issued);
    if (o->next_update != NULL)
        fprintf(f, "<NextUpdate><dateTime>%s</dateTime></NextUpdate>", o->next_update);
    else
        fprintf(f, "<NextUpdate/>");
    fprintf(f, "<DistributionPoints><URI>https://tsl.example.ie/IE-TL.xml</URI>"
               "</DistributionPoints></SchemeInformation>\n<TrustServiceProviderList>");
    /* The first provider: a CA/QC service granted (accredited before eIDAS), and a TSA. */
    fprintf(f, "<TrustServiceProvider><TSPInformation><TSPName>"
               "<Name xml:lang=\"en\">Test QTSP Ltd</Name></TSPName>"
               "<TSPTradeName><Name xml:lang=\"en\">VATIE-1234567X</Name></TSPTradeName>"
               "<TSPInformationURI><URI xml:lang=\"en\">https://qtsp.example.ie/</URI>"
               "</TSPInformationURI></TSPInformation><TSPServices>");
    fprintf(f, "<TSPService>");
    service(f, "CA/QC", "Test QTSP qualified seals CA", o->qc_cert ? o->qc_cert : b_qc, "granted",
            t400);
    fprintf(f, "<ServiceHistory>");
    history(f, "CA/QC", "Test QTSP qualified seals CA", "accredited", t2015);
    fprintf(f, "</ServiceHistory></TSPService><TSPService>");
    service(f, "TSA/QTST", "Test QTSP time-stamping", b_tsa, "granted", t400);
    fprintf(f, "</TSPService></TSPServices></TrustServiceProvider>");
    /* The second: a CA/QC service granted 400 days ago, withdrawn 10 days ago. */
    fprintf(f, "<TrustServiceProvider><TSPInformation><TSPName>"
               "<Name xml:lang=\"en\">Withdrawn Trust Services SA</Name></TSPName>"
               "</TSPInformation><TSPServices><TSPService>");
    service(f, "CA/QC", "WTS qualified CA", b_old, "withdrawn",
            o->c_start != NULL ? (o->c_start[0] != '\0' ? o->c_start : t10) : NULL);
    fprintf(f, "<ServiceHistory>");
    history(f, "CA/QC", "WTS qualified CA", "granted", t400);
    fprintf(f, "</ServiceHistory></TSPService></TSPServices></TrustServiceProvider>"
               "</TrustServiceProviderList>\n");
    if (o->sign)
        fprintf(f,
                "<ds:Signature Id=\"sig-1\"><ds:SignedInfo>"
                "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
                "<ds:SignatureMethod "
                "Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>"
                "%s"
                "<ds:Reference Type=\"http://uri.etsi.org/01903#SignedProperties\" "
                "URI=\"#xades-sp\"><ds:Transforms><ds:Transform "
                "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
                "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
                "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>"
                "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate>"
                "</ds:X509Data></ds:KeyInfo>"
                "<ds:Object><xades:QualifyingProperties "
                "xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\" Target=\"#sig-1\">"
                "<xades:SignedProperties Id=\"xades-sp\"><xades:SignedSignatureProperties>"
                "<xades:SigningTime>%s</xades:SigningTime></xades:SignedSignatureProperties>"
                "<xades:SignedDataObjectProperties><xades:DataObjectFormat "
                "ObjectReference=\"#ref-tsl\"><xades:MimeType>text/xml</xades:MimeType>"
                "</xades:DataObjectFormat></xades:SignedDataObjectProperties>"
                "</xades:SignedProperties></xades:QualifyingProperties></ds:Object>"
                "</ds:Signature>",
                o->whole ? "<ds:Reference Id=\"ref-tsl\" URI=\"\"><ds:Transforms>"
                           "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/"
                           "xmldsig#enveloped-signature\"/><ds:Transform "
                           "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
                           "</ds:Transforms><ds:DigestMethod "
                           "Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
                           "<ds:DigestValue/></ds:Reference>"
                         : "",
                b_sig, issued);
    fprintf(f, "</TrustServiceStatusList>\n");
    fclose(f);
    return out;
}

/* Signs the template's Signature with `by` as a scheme operator does (xmlsec1); a new string. */
static char *sign_text(const char *xml, const test_issuer *by)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr sig = xmlSecFindNode(root, xmlSecNodeSignature, xmlSecDSigNs);
    assert_non_null(sig);
    const xmlChar *ids[] = { (const xmlChar *)"Id", NULL };
    xmlSecAddIDs(doc, root, ids);
    xmlSecDSigCtxPtr c = xmlSecDSigCtxCreate(NULL);
    assert_non_null(c);
    EVP_PKEY_up_ref(by->pkey);
    c->signKey = xmlSecKeyCreate();
    assert_int_equal(xmlSecKeySetValue(c->signKey, xmlSecOpenSSLEvpKeyAdopt(by->pkey)), 0);
    assert_int_equal(xmlSecDSigCtxSign(c, sig), 0);
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemory(doc, &mem, &size);
    char *out = strndup((const char *)mem, (size_t)size);
    xmlFree(mem);
    xmlSecDSigCtxDestroy(c);
    xmlFreeDoc(doc);
    return out;
}

static char *tsl(const tsl_opts *o)
{
    char *t = tsl_text(o);
    if (!o->sign)
        return t;
    char *s = sign_text(t, o->by);
    free(t);
    return s;
}

/* Reads the list text with the pinned signer; returns the code, the reason in why. */
static int read_list(const char *text, char *why, size_t wl)
{
    cred_tl tl;
    STACK_OF(X509) *s = sk_X509_new_null();
    sk_X509_push(s, signer);
    cred_tl_init(&tl);
    int rc = cred_tl_read(&tl, (const uint8_t *)text, strlen(text), s, now_ms, 0, why, wl);
    if (rc == 0)
        assert_int_equal(tl.n, 3); /* the three services with certificates */
    else
        assert_int_equal(tl.n, 0);
    cred_tl_free(&tl);
    sk_X509_free(s);
    return rc;
}

/* text with the first `from` replaced by `to`; a new string. */
static char *replace_once(const char *text, const char *from, const char *to)
{
    const char *p = strstr(text, from);
    assert_non_null(p);
    size_t a = (size_t)(p - text), fl = strlen(from), tl = strlen(to), n = strlen(text);
    char *out = malloc(n - fl + tl + 1);
    memcpy(out, text, a);
    memcpy(out + a, to, tl);
    memcpy(out + a + tl, p + fl, n - a - fl + 1);
    return out;
}

static void refused(const char *text, int want, const char *needle)
{
    char why[CRED_REASON_BYTES] = "";
    int rc = read_list(text, why, sizeof(why));
    if (rc != want || strstr(why, needle) == NULL)
        fail_msg("expected %s \"%s\", got %s \"%s\"", rn_err_name(want), needle, rn_err_name(rc),
                 why);
}

/* The ELM sample sealed with ES256 by the leaf key, x5c = leaf, ca. A new JSON text. */
static char *seal(X509 *leaf, X509 *ca)
{
    json_t *cred = json_load_file(ELM, 0, NULL);
    assert_non_null(cred);
    char b1[4096], b2[4096];
    b64_cert(leaf, b1, sizeof(b1));
    b64_cert(ca, b2, sizeof(b2));
    json_t *h = json_pack("{s:s,s:[s,s],s:s,s:[s]}", "alg", "ES256", "x5c", b1, b2, "sigT",
                          "2025-01-01T00:00:00Z", "crit", "sigT");
    char *hs = json_dumps(h, JSON_COMPACT), *ps = json_dumps(cred, JSON_COMPACT);
    char *hb = cred_b64url_encode((const uint8_t *)hs, strlen(hs));
    char *pb = cred_b64url_encode((const uint8_t *)ps, strlen(ps));
    size_t in_len = strlen(hb) + 1 + strlen(pb);
    char *in = malloc(in_len + 1);
    snprintf(in, in_len + 1, "%s.%s", hb, pb);
    uint8_t sig[256];
    size_t sl;
    test_sign(&leaf_key, CRED_ALG_ES256, (const uint8_t *)in, in_len, sig, &sl);
    char *sb = cred_b64url_encode(sig, sl);
    json_t *out = json_pack("{s:s,s:[{s:s,s:s}]}", "payload", pb, "signatures", "protected", hb,
                            "signature", sb);
    char *text = json_dumps(out, JSON_COMPACT);
    free(hs);
    free(ps);
    free(hb);
    free(pb);
    free(in);
    free(sb);
    json_decref(h);
    json_decref(out);
    json_decref(cred);
    return text;
}

/* Checks the sealed text at at_ms with the trust `t`: "chain" must be `want` with `needle`. */
static void chain_says(const cred_trust *t, const char *sealed, uint64_t at_ms, cred_result want,
                       const char *needle)
{
    cred_opts o;
    cred_report r;
    char why[300];
    memset(&o, 0, sizeof(o));
    o.trust = t;
    o.now_ms = at_ms;
    assert_int_equal(
        cred_check_buf((const uint8_t *)sealed, strlen(sealed), &o, &r, why, sizeof(why)), 0);
    assert_int_equal(cred_report_find(&r, "seal")->result, CRED_PASS);
    const cred_check *c = cred_report_find(&r, "chain");
    if (c == NULL || c->result != want || strstr(c->reason, needle) == NULL)
        fail_msg("chain: expected %s \"%s\", got %s \"%s\"", cred_result_name(want), needle,
                 c ? cred_result_name(c->result) : "none", c ? c->reason : "");
    cred_report_free(&r);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    fclose(f);
}

static void test_seal_to_list(void **state)
{
    (void)state;
    tsl_opts o = defaults();
    char *list = tsl(&o), why[CRED_REASON_BYTES];
    write_file(tsl_path, list);
    cred_trust t;
    cred_trust_init(&t);
    assert_int_equal(cred_trust_load_tl(&t, tsl_path, signer_pem, now_ms, why, sizeof(why)), 0);
    assert_int_equal(t.tl_n, 3);
    char *s_qc = seal(leaf_qc, ca_qc), *s_old = seal(leaf_old, ca_old);
    char *s_tsa = seal(leaf_tsa, ca_tsa), *s_stray = seal(leaf_stray, ca_stray);
    /* Granted CA/QC: passes, names the provider and the list's country. */
    chain_says(&t, s_qc, now_ms, CRED_PASS, "Test QTSP Ltd (trusted list of IE)");
    chain_says(&t, s_qc, now_ms, CRED_PASS, "Test QTSP qualified seals CA");
    /* Withdrawn 10 days ago, granted from 400 days ago: fails now, passes 100 days ago. */
    chain_says(&t, s_old, now_ms, CRED_FAIL, "is withdrawn since");
    chain_says(&t, s_old, now_ms - 100 * DAY, CRED_PASS, "Withdrawn Trust Services SA");
    /* Before its first listing: not yet listed. */
    chain_says(&t, s_old, now_ms - 450 * DAY, CRED_FAIL, "not yet listed");
    /* The granted CA/QC service was "accredited" before: not taken as granted. */
    chain_says(&t, s_qc, now_ms - 450 * DAY, CRED_FAIL, "is accredited since 2015");
    /* A time-stamping service is not a CA issuing qualified certificates. */
    chain_says(&t, s_tsa, now_ms, CRED_FAIL, "of type TSA/QTST");
    /* A CA the list does not name. */
    chain_says(&t, s_stray, now_ms, CRED_FAIL, "does not chain to a certificate of the trusted");
    /* With a PEM bundle beside the list, each is tried. */
    char pem[] = "/tmp/cred_tl_test_p.XXXXXX";
    int fd = mkstemp(pem);
    assert_true(fd >= 0);
    close(fd);
    FILE *f = fopen(pem, "w");
    assert_int_equal(PEM_write_X509(f, ca_stray), 1);
    fclose(f);
    assert_int_equal(cred_trust_load_pem(&t, pem, why, sizeof(why)), 0);
    chain_says(&t, s_stray, now_ms, CRED_PASS, "to the trust anchor");
    chain_says(&t, s_qc, now_ms, CRED_PASS, "Test QTSP Ltd");
    chain_says(&t, s_tsa, now_ms, CRED_FAIL, "nor to --trust");
    remove(pem);
    cred_trust_free(&t);
    free(s_qc);
    free(s_old);
    free(s_tsa);
    free(s_stray);
    free(list);
}

static void test_refused_lists(void **state)
{
    (void)state;
    char why[CRED_REASON_BYTES];
    tsl_opts o = defaults();
    char *good = tsl(&o);
    assert_int_equal(read_list(good, why, sizeof(why)), 0);
    /* Tampered: a provider's name changed under the same signature. */
    char *bad = strdup(good), *p = strstr(bad, "Test QTSP Ltd");
    assert_non_null(p);
    memcpy(p, "Evil", 4);
    refused(bad, RN_ESIG, "tampered: the digest of the signed reference \"\"");
    free(bad);
    /* Tampered in the signed properties. */
    bad = strdup(good);
    p = strstr(bad, "text/xml");
    memcpy(p, "text/xxl", 8);
    refused(bad, RN_ESIG, "tampered: the digest of the signed reference \"#xades-sp\"");
    free(bad);
    /* A signature of another shape: an XPath transform (which can make a reference cover less
     * than the list), a reference outside the document. */
    bad = replace_once(good, "http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>",
                       "http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>"
                       "not(ancestor-or-self::TrustServiceProvider)</ds:XPath></ds:Transform>"
                       "</ds:Transforms>");
    refused(bad, RN_ESIG, "Transform is http://www.w3.org/TR/1999/REC-xpath-19991116: refused");
    free(bad);
    bad = replace_once(good, "URI=\"#xades-sp\"", "URI=\"https://tsl.example.ie/sp.xml\"");
    refused(bad, RN_ESIG, "references https://tsl.example.ie/sp.xml");
    free(bad);
    free(good);
    /* Unsigned. */
    o = defaults();
    o.sign = false;
    bad = tsl(&o);
    refused(bad, RN_EMISSING, "unsigned");
    free(bad);
    /* Signed by another key than the pinned one; KeyInfo names it. */
    o = defaults();
    o.by = &other_signer_key;
    o.by_cert = other_signer;
    bad = tsl(&o);
    refused(bad, RN_ESIG,
            "signed with another key than the pinned signer's (KeyInfo names "
            "CN=Another scheme operator");
    free(bad);
    /* Another key, while KeyInfo claims the pinned signer's certificate. */
    o.by_cert = signer;
    bad = tsl(&o);
    refused(bad, RN_ESIG, "signature value does not verify with the signer's key");
    free(bad);
    /* Expired, and closed. */
    o = defaults();
    char past[TLEN];
    at(now_ms - DAY, past);
    o.next_update = past;
    bad = tsl(&o);
    refused(bad, RN_ETIME, "expired: the list's NextUpdate");
    free(bad);
    o.next_update = NULL;
    bad = tsl(&o);
    refused(bad, RN_ETIME, "closed");
    free(bad);
    /* A signature that verifies but covers only its signed properties, not the list. */
    o = defaults();
    o.whole = false;
    bad = tsl(&o);
    refused(bad, RN_ESIG, "does not cover the whole list");
    free(bad);
    /* A list of the lists; a version of TS 102 231. */
    o = defaults();
    o.type = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists";
    bad = tsl(&o);
    refused(bad, RN_EKIND, "a list of the trusted lists");
    free(bad);
    o = defaults();
    o.version = "3";
    bad = tsl(&o);
    refused(bad, RN_EVERSION, "TSLVersionIdentifier 3");
    free(bad);
    /* A field missing, a certificate that does not decode: each named by its path. */
    o = defaults();
    o.c_start = NULL;
    bad = tsl(&o);
    refused(bad, RN_EMISSING,
            "TrustServiceProvider[2]/TSPService[1]/ServiceInformation/StatusStartingTime");
    free(bad);
    o = defaults();
    o.qc_cert = "bm90IGEgY2VydGlmaWNhdGU=";
    bad = tsl(&o);
    refused(bad, RN_EMALFORMED,
            "TrustServiceProvider[1]/TSPService[1]/ServiceInformation/"
            "ServiceDigitalIdentity/DigitalId/X509Certificate");
    free(bad);
    /* Not a trusted list at all. */
    refused("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"/>", RN_EKIND,
            "not a TrustServiceStatusList");
}

static void test_hostile_xml(void **state)
{
    (void)state;
    /* Malformed: the signed list cut in the middle. */
    tsl_opts o = defaults();
    char *good = tsl(&o);
    good[strlen(good) / 2] = '\0';
    refused(good, RN_EMALFORMED, "not well-formed XML at line");
    free(good);
    refused("", RN_EMALFORMED, "not well-formed");
    /* Entity expansion ("billion laughs"), external entities, a DTD at all: refused before any
     * entity is declared. The same with a signed list behind the DOCTYPE. */
    const char *bomb = "<!DOCTYPE TrustServiceStatusList [<!ENTITY a \"aaaaaaaaaa\">"
                       "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c "
                       "\"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
                       "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e "
                       "\"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
                       "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g "
                       "\"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
                       "]>";
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    fprintf(f,
            "<?xml version=\"1.0\"?>%s<TrustServiceStatusList "
            "xmlns=\"http://uri.etsi.org/02231/v2#\">&g;&g;&g;&g;</TrustServiceStatusList>",
            bomb);
    fclose(f);
    refused(text, RN_EMALFORMED, "DOCTYPE");
    free(text);
    refused("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
            "<TrustServiceStatusList xmlns=\"http://uri.etsi.org/02231/v2#\">&xxe;"
            "</TrustServiceStatusList>",
            RN_EMALFORMED, "DOCTYPE");
    refused("<?xml version=\"1.0\"?><!DOCTYPE x SYSTEM \"http://127.0.0.1:1/x.dtd\">"
            "<TrustServiceStatusList xmlns=\"http://uri.etsi.org/02231/v2#\"/>",
            RN_EMALFORMED, "DOCTYPE");
    o = defaults();
    o.prolog = "<!DOCTYPE TrustServiceStatusList>";
    good = tsl_text(&o);
    refused(good, RN_EMALFORMED, "DOCTYPE");
    free(good);
    /* Two signatures. */
    o = defaults();
    good = tsl(&o);
    char *sig = strstr(good, "<ds:Signature");
    char *end = strstr(good, "</TrustServiceStatusList>");
    size_t sl = (size_t)(end - sig), gl = strlen(good);
    char *two = malloc(gl + sl + 1);
    memcpy(two, good, (size_t)(end - good));
    memcpy(two + (end - good), sig, sl);
    memcpy(two + (end - good) + sl, end, gl - (size_t)(end - good) + 1);
    refused(two, RN_ESIG, "2 ds:Signature elements");
    free(two);
    free(good);
    /* Over the size bound. */
    cred_tl tl;
    char why[200];
    cred_tl_init(&tl);
    assert_int_equal(cred_tl_read(&tl, (const uint8_t *)"x", CRED_TL_BYTES_MAX + 1u, NULL, now_ms,
                                  CRED_TL_UNVERIFIED, why, sizeof(why)),
                     RN_ETOOBIG);
    cred_tl_free(&tl);
}

static void test_load_files(void **state)
{
    (void)state;
    cred_trust t;
    char why[CRED_REASON_BYTES];
    cred_trust_init(&t);
    assert_int_equal(
        cred_trust_load_tl(&t, "/nonexistent.xml", signer_pem, now_ms, why, sizeof(why)), RN_EIO);
    assert_non_null(strstr(why, "/nonexistent.xml"));
    assert_int_equal(cred_trust_load_tl(&t, tsl_path, "/nonexistent.pem", now_ms, why, sizeof(why)),
                     RN_EIO);
    assert_int_equal(cred_trust_load_tl(&t, tsl_path, ELM, now_ms, why, sizeof(why)),
                     RN_EMALFORMED);
    assert_non_null(strstr(why, "no PEM certificate"));
    /* The signer PEM may hold several certificates (a key rollover): any of them signs. */
    char two[] = "/tmp/cred_tl_test_2.XXXXXX";
    int fd = mkstemp(two);
    assert_true(fd >= 0);
    close(fd);
    FILE *f = fopen(two, "w");
    assert_int_equal(PEM_write_X509(f, other_signer), 1);
    assert_int_equal(PEM_write_X509(f, signer), 1);
    fclose(f);
    tsl_opts o = defaults();
    char *list = tsl(&o);
    write_file(tsl_path, list);
    assert_int_equal(cred_trust_load_tl(&t, tsl_path, two, now_ms, why, sizeof(why)), 0);
    assert_int_equal(t.tl_n, 3);
    /* Pinned to the other signer only: refused, the file named. */
    f = fopen(two, "w");
    assert_int_equal(PEM_write_X509(f, other_signer), 1);
    fclose(f);
    assert_int_equal(cred_trust_load_tl(&t, tsl_path, two, now_ms, why, sizeof(why)), RN_ESIG);
    assert_non_null(strstr(why, tsl_path));
    assert_int_equal(t.tl_n, 3);
    remove(two);
    free(list);
    cred_trust_free(&t);
}

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    now_ms = (uint64_t)time(NULL) * 1000u;
    /* cred_tl_read initialises libxml2 and xmlsec1 once per process; a first call on nothing
     * does it for the signing in this test. */
    cred_tl tl;
    char why[200];
    cred_tl_init(&tl);
    if (cred_tl_read(&tl, (const uint8_t *)"", 0, NULL, 0, CRED_TL_UNVERIFIED, why, sizeof(why)) !=
        RN_EMALFORMED)
        return -1;
    cred_tl_free(&tl);
    test_issuer_make(&signer_key, CRED_KTY_RSA, 1);
    test_issuer_make(&other_signer_key, CRED_KTY_RSA, 2);
    test_issuer_make(&ca_key, CRED_KTY_P256, 3);
    test_issuer_make(&tsa_key, CRED_KTY_P256, 4);
    test_issuer_make(&old_key, CRED_KTY_P256, 5);
    test_issuer_make(&stray_key, CRED_KTY_P256, 6);
    test_issuer_make(&leaf_key, CRED_KTY_P256, 7);
    const long y = 86400L * 365, ago = -86400L * 600;
    signer = make_cert(signer_key.pkey, "IE scheme operator", NULL, signer_key.pkey, ago, y, false);
    other_signer = make_cert(other_signer_key.pkey, "Another scheme operator", NULL,
                             other_signer_key.pkey, ago, y, false);
    ca_qc = make_cert(ca_key.pkey, "Test QTSP seals CA", NULL, ca_key.pkey, ago, y, true);
    ca_tsa = make_cert(tsa_key.pkey, "Test QTSP TSA CA", NULL, tsa_key.pkey, ago, y, true);
    ca_old = make_cert(old_key.pkey, "WTS CA", NULL, old_key.pkey, ago, y, true);
    ca_stray = make_cert(stray_key.pkey, "Unlisted CA", NULL, stray_key.pkey, ago, y, true);
    leaf_qc = make_cert(leaf_key.pkey, "Uni Z sealing", ca_qc, ca_key.pkey, ago, y, false);
    leaf_tsa = make_cert(leaf_key.pkey, "Uni Z (TSA CA)", ca_tsa, tsa_key.pkey, ago, y, false);
    leaf_old = make_cert(leaf_key.pkey, "Uni Z (WTS)", ca_old, old_key.pkey, ago, y, false);
    leaf_stray =
        make_cert(leaf_key.pkey, "Uni Z (unlisted)", ca_stray, stray_key.pkey, ago, y, false);
    int f1 = mkstemp(signer_pem), f2 = mkstemp(tsl_path);
    if (f1 < 0 || f2 < 0)
        return -1;
    close(f1);
    close(f2);
    FILE *f = fopen(signer_pem, "w");
    if (f == NULL || PEM_write_X509(f, signer) != 1)
        return -1;
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    X509 *all[] = { signer,   other_signer, ca_qc,    ca_tsa,   ca_old,
                    ca_stray, leaf_qc,      leaf_tsa, leaf_old, leaf_stray };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        X509_free(all[i]);
    test_issuer *keys[] = { &signer_key, &other_signer_key, &ca_key,  &tsa_key,
                            &old_key,    &stray_key,        &leaf_key };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        test_issuer_free(keys[i]);
    remove(signer_pem);
    remove(tsl_path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seal_to_list),
        cmocka_unit_test(test_refused_lists),
        cmocka_unit_test(test_hostile_xml),
        cmocka_unit_test(test_load_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
