/* version.h — firmware version numbers as the rule language sees them
 * (guide §2.9): "N.N.N" plus an optional parenthesised alphanumeric suffix,
 * e.g. 2.0.6, 1.0.31(b), 2.0.3(0412s). Used for $SWVER/$HWVER comparisons
 * and Downgrade_Rev_Limit.
 *
 * Ordering (a decision; the guide is silent, see docs/rule-language.md):
 *   - "N.N" is accepted and means "N.N.0"; one number alone is an integer,
 *     not a version; four or more parts are not a version.
 *   - the suffix may also follow the last number directly, starting with a
 *     letter, as later firmware writes it: "7.5.2b" is "7.5.2(b)".
 *   - the three numbers compare numerically, major first;
 *   - on a tie, no suffix sorts BEFORE any suffix: 2.0.6 < 2.0.6(b)
 *     (a suffix marks a later rebuild/variant of the same release);
 *   - two suffixes compare in "natural" order: runs of digits numerically
 *     (leading zeros ignored), runs of letters case-insensitively, and a
 *     digit run sorts before a letter run: (b) < (c), (9) < (10),
 *     (0412s) < (b), (G) == (g). */
#ifndef SPAPROV_VERSION_H
#define SPAPROV_VERSION_H
#include <stddef.h>
#include <stdint.h>

#define SPA_FWVER_SUFFIX_MAX 15   /* longest suffix accepted, without the parens */

typedef struct spa_fwver {
    uint32_t part[3];                        /* major, minor, build */
    uint8_t nparts;                          /* 2 or 3 as written */
    char suffix[SPA_FWVER_SUFFIX_MAX + 1];   /* "" when none */
} spa_fwver;

/* Parse exactly len bytes as a version ("2.0.6(b)", "1.0"); no spaces
 * allowed. Returns 0, or -1 when the text is not a version. */
int spa_fwver_parse(const char *s, size_t len, spa_fwver *out);
/* Order two versions as documented above: <0, 0 or >0. */
int spa_fwver_cmp(const spa_fwver *a, const spa_fwver *b);
/* Version for an integer n: n.0.0 (how an integer compares with a version). */
void spa_fwver_from_int(uint32_t n, spa_fwver *out);
/* Write "N.N.N(suffix)" (always three parts) into buf; returns buf. */
char *spa_fwver_format(const spa_fwver *v, char *buf, size_t n);

#endif
