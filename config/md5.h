/* MD5 (RFC 1321), for relabel's hashmod only: not for security. */
#ifndef PD_MD5_H
#define PD_MD5_H

#include <stddef.h>
#include <stdint.h>

void pd_md5(const void *data, size_t len, uint8_t out[16]);

#endif
