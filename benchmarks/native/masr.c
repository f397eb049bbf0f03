// masr: MASR (Memory Allocation, Set and Read), the paper's memory benchmark. Allocates BYTES,
// sets every byte position in order to a fixed value, then reads each back in order. The work
// is fixed by BYTES alone, whatever the machine: one set and one read per byte position.
//
//   masr BYTES         1 <= BYTES <= 2^40, decimal digits only
//
// Positions are set and read 8 at a time as 64-bit words (the tail byte by byte) through a
// volatile pointer: the compiler can neither turn the set into memset nor fold the read away,
// so every word is stored once and loaded once. The set phase is the first touch of each page,
// so the kernel's allocation happens there, inside the timed run, as in the paper.
//
// stdout, key=value lines: bytes=BYTES, operations=2*BYTES (positions set plus positions read),
// checksum=<sum of the words read, mod 2^64, 16 hex digits>.
// Exit status: 0 when the checksum is what the set phase implies; 1 on a mismatch or when BYTES
// cannot be allocated (message on stderr); 2 on a usage error.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BYTES ((uint64_t)1 << 40)
#define VALUE 0x5a
#define WORD_VALUE 0x5a5a5a5a5a5a5a5aULL // VALUE in every byte of a word

static int usage(void) {
  fprintf(stderr, "usage: masr BYTES   (1 <= BYTES <= %llu)\n", (unsigned long long)MAX_BYTES);
  return 2;
}

// Strict: decimal digits only, so "1e6", "-1", " 8" and "" are usage errors rather than 1, 0 or 8.
static int parse_bytes(const char *s, uint64_t *out) {
  size_t len = strlen(s);
  if (len == 0 || len > 13 || strspn(s, "0123456789") != len) return -1; // 2^40 has 13 digits
  uint64_t n = 0;
  for (const char *p = s; *p; p++) n = n * 10 + (uint64_t)(*p - '0');
  if (n < 1 || n > MAX_BYTES || n > SIZE_MAX) return -1;
  *out = n;
  return 0;
}

int main(int argc, char **argv) {
  uint64_t bytes;
  if (argc != 2 || parse_bytes(argv[1], &bytes) != 0) return usage();

  unsigned char *mem = malloc((size_t)bytes); // malloc's alignment suits 64-bit words
  if (!mem) {
    fprintf(stderr, "masr: cannot allocate %llu bytes\n", (unsigned long long)bytes);
    return 1;
  }
  size_t words = (size_t)(bytes / 8), tail = (size_t)(bytes % 8);
  volatile uint64_t *w = (volatile uint64_t *)mem;
  volatile unsigned char *t = mem + words * 8;

  // Set: every position, in order.
  for (size_t i = 0; i < words; i++) w[i] = WORD_VALUE;
  for (size_t i = 0; i < tail; i++) t[i] = VALUE;

  // Read: every position, in order, into a checksum.
  uint64_t sum = 0;
  for (size_t i = 0; i < words; i++) sum += w[i];
  for (size_t i = 0; i < tail; i++) sum += t[i];

  // Unsigned arithmetic wraps mod 2^64, as the sum above does.
  uint64_t expected = (uint64_t)words * WORD_VALUE + (uint64_t)tail * VALUE;
  free(mem);
  if (sum != expected) {
    fprintf(stderr, "masr: %llu bytes read back checksum %016llx, expected %016llx\n",
            (unsigned long long)bytes, (unsigned long long)sum, (unsigned long long)expected);
    return 1;
  }
  printf("bytes=%llu\noperations=%llu\nchecksum=%016llx\n", (unsigned long long)bytes,
         (unsigned long long)(2 * bytes), (unsigned long long)sum);
  return 0;
}
