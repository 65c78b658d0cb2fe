/*
 * fields.h: the field tables of the record kinds, one row per field, each row giving the
 * field's wire form and its JSON form side by side (PROTOCOL.md section 3 names both).
 *
 * The wire columns (key, type, bounds, where the value lives in the record's struct) drive
 * proto/record.c's decoder, encoder and comparison; the JSON column (the name people type and the
 * conversion of the value) drives api/recjson.c, which reads and writes records as JSON, and the
 * `publish` command's flags and help. A field is added, renamed or bounded in one row, and the
 * wire and the JSON can never disagree on which fields a kind has, which are required, or where a
 * value is kept. The diagnostic name of a field ("spec.outcomes.text") is its table's name, a
 * dot, and its JSON name, so an error of either side names the field the same way.
 *
 * The tables are static constants of record.c: read them, never write them. Pure data; safe from
 * any thread.
 */
#ifndef RN_FIELDS_H
#define RN_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* The wire form of a field, which also fixes the C type it is stored in. */
typedef enum proto_ftype {
    PROTO_FT_ID,      /* proto_str: an identifier, proto_id_check */
    PROTO_FT_TEXT,    /* proto_str: free text of 1 .. max bytes */
    PROTO_FT_URL,     /* proto_str: an http(s) URL */
    PROTO_FT_URI,     /* proto_str: an absolute URI of any scheme (urn:, https:, did:) */
    PROTO_FT_COUNTRY, /* proto_str: a canonical country code */
    PROTO_FT_LANG,    /* proto_str: a language code */
    PROTO_FT_ISCED,   /* proto_str: an ISCED-F code */
    PROTO_FT_NUM,   /* uint32_t in min .. max, else err; optional: 0 absent, or a has-flag at aux */
    PROTO_FT_TIME,  /* uint64_t milliseconds <= RN_TIME_MS_MAX; optional: 0 absent */
    PROTO_FT_VOCAB, /* uint32_t: a number of Annex I vocabulary `err` */
    PROTO_FT_BOOL,  /* bool */
    PROTO_FT_DIGEST,   /* const uint8_t *: 32 bytes (a digest, or an issuer key's public key) */
    PROTO_FT_LIST,     /* proto_str[max] at off, count at aux: distinct items of type elem */
    PROTO_FT_TITLE,    /* proto_lang_text[max] at off, count at aux: a lang -> text map, keys
                          strictly ascending, each text 1 .. text_max bytes */
    PROTO_FT_MAPS,     /* sub->size-byte structs [max] at off, count at aux: an array of sub maps */
    PROTO_FT_MAP,      /* a sub struct at off: a nested map with at least one field */
    PROTO_FT_KEYS,     /* proto_issuer_key[max] at off, count at aux: arrays [key, valid_from,
                          valid_until or nil], whose positions sub's rows describe */
    PROTO_FT_KEYS_EXT, /* proto_issuer_key_ext[max] at off, count at aux: arrays [form, key,
                         valid_from, valid_until or nil], whose positions sub's rows describe */
    PROTO_FT_BIN,      /* proto_str: a byte string (MessagePack bin) of 1 .. max bytes */
    PROTO_FT_SEQ       /* uint64_t: a sequence number 0 .. RN_SEQ_MAX (RN_ESEQ); required */
} proto_ftype;

/* The JSON form of a field (recjson.h describes each for people). */
typedef enum proto_json {
    PROTO_JSON_STR,       /* a string (ids, texts, URLs, ISCED-F codes, languages) */
    PROTO_JSON_COUNTRY,   /* a country code, "EL" read as "GR" */
    PROTO_JSON_TIME,      /* a time; an optional one is left out when 0 */
    PROTO_JSON_TIME_NIL,  /* a time, or null for 0 (an issuer key's open end) */
    PROTO_JSON_ECTS,      /* ECTS as a decimal number, stored in hundredths */
    PROTO_JSON_ECTS_HAS,  /* ECTS, present when the bool has-flag at aux is set (may be 0) */
    PROTO_JSON_UINT,      /* a whole number (EQF levels) */
    PROTO_JSON_ENUM,      /* the name of a value of enumeration json_names (proto_enum) */
    PROTO_JSON_VOCAB,     /* the name of a value of Annex I vocabulary json_names (proto_vocab) */
    PROTO_JSON_BOOL,      /* true or false */
    PROTO_JSON_KEY,       /* a public key "rn1:..." */
    PROTO_JSON_DIGEST,    /* 64 hex digits */
    PROTO_JSON_STRS,      /* a list of strings */
    PROTO_JSON_COUNTRIES, /* a list of country codes */
    PROTO_JSON_TITLE,     /* an object of language to text */
    PROTO_JSON_OBJS,      /* a list of objects of table sub */
    PROTO_JSON_OBJ,       /* an object of table sub */
    PROTO_JSON_KEY_TEXT,  /* an issuer key of a later form: a JWK object (written in its
                             canonical text) or a DID string */
    PROTO_JSON_HEX,       /* a byte string of any length as lower-case hex digits */
    PROTO_JSON_SEQ        /* a whole number 0 .. 2^53 - 1 (a sequence number) */
} proto_json;

typedef struct proto_fields proto_fields;

/* One field. Bounds: a key is 1 .. 255; offsets fit in the record struct. */
typedef struct proto_field {
    /* The wire (record.c). */
    uint8_t key;             /* the integer key on the wire (PROTO_FT_KEYS' rows: position) */
    uint8_t type;            /* proto_ftype */
    uint8_t elem;            /* PROTO_FT_LIST: proto_ftype of the items */
    bool req;                /* required (on the wire and in JSON) */
    const char *name;        /* for rn_diag: "spec.eqf", the table's name "." json */
    uint32_t off;            /* offset of the value (or the first item) in the struct */
    int32_t aux;             /* offset of a list's uint32_t count or of an optional number's
                                bool has-flag; -1 for none */
    uint32_t min, max;       /* PROTO_FT_NUM: range; PROTO_FT_TEXT: maximum bytes; lists:
                                maximum items, which is also the capacity of the array at off */
    uint32_t text_max;       /* PROTO_FT_TITLE: maximum bytes of each text */
    int err;                 /* PROTO_FT_NUM: the error for a number out of range;
                                PROTO_FT_VOCAB: the vocabulary */
    const proto_fields *sub; /* PROTO_FT_MAPS, PROTO_FT_MAP, PROTO_FT_KEYS: the nested table */
    /* JSON (api/recjson.c). */
    const char *json;   /* the JSON name: "eqf" */
    uint8_t json_form;  /* proto_json */
    int16_t json_names; /* PROTO_JSON_ENUM: proto_enum; PROTO_JSON_VOCAB: proto_vocab;
                           -1 otherwise */
} proto_field;

/* The fields of one kind, or of a nested map. */
struct proto_fields {
    const char *name;     /* for rn_diag: "spec", "spec.outcomes" */
    const proto_field *f; /* in ascending key order */
    unsigned n;
    size_t size; /* size of the struct described (the stride of a list of them) */
};

/* The table of record kind `kind`, or NULL when it is not one. Static. */
const proto_fields *proto_record_fields(proto_kind kind);

/* The row of `t` whose JSON name is name[0..len), or NULL. */
const proto_field *proto_fields_find(const proto_fields *t, const char *name, size_t len);

#endif /* RN_FIELDS_H */
