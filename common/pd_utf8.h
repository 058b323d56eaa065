/* UTF-8, checked once for every module: label values (Prometheus refuses
 * invalid UTF-8 in them, and Go's regexp reads a bad byte as U+FFFD where
 * RE2 does not match it at all), error messages that quote user input, and
 * the renderings' escaping. */
#ifndef PD_UTF8_H
#define PD_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s[0..n) (1..4; n > 0), 0 if it is
 * not one: overlong forms, surrogates and code points past U+10FFFF are
 * invalid. */
size_t pd_utf8_len(const uint8_t *s, size_t n);

/* Whether all of s (NUL-terminated) is valid UTF-8. */
bool pd_utf8_valid(const char *s);

/* Replaces every byte that does not start a valid sequence with '?', in
 * place, so that s can go into JSON (a message that quotes input cut in
 * the middle of a character, say). */
void pd_utf8_scrub(char *s);

#endif
