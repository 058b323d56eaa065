/* The entry point every fuzz target defines. Built with clang's
 * -fsanitize=fuzzer it is libFuzzer's; in every other build driver.c calls
 * it on each file of the corpora, so the seeds and the inputs that once
 * failed run in the normal test suite too. Returns 0 (libFuzzer's rule). */
#ifndef PD_FUZZ_H
#define PD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (malloc'd; embedded NULs kept, so
 * the string may end early, as a C caller would read it). */
char *fuzz_cstr(const uint8_t *data, size_t size);

#endif
