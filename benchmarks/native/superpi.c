// superpi: the paper's CPU benchmark. Pi to 2^N decimal digits by the Gauss-Legendre algorithm,
// in MPFR, then checked digit by digit against mpfr_const_pi: MPFR's own, independently written,
// correctly rounded pi (Schönhage's variant of the AGM, with a proven error bound), so a wrong
// iteration, precision or library fault cannot pass as a result.
//
//   superpi N          4 <= N <= 26 (the paper: 22)
//
// stdout, key=value lines: digits=2^N, verified=<leading decimal digits that agree, at most 2^N>,
// iterations=<Gauss-Legendre steps>, head=<first 15 digits>. The digits themselves are never printed.
// Exit status: 0 when all 2^N digits agree; 1 when fewer do (message on stderr); 2 on a usage error.
// link: -lmpfr -lgmp
#include <mpfr.h>
#include <stdio.h>
#include <string.h>

#define MIN_LOG2 4
#define MAX_LOG2 26
#define GUARD_BITS 64 // rounding error grows by a few bits over ~26 iterations; 64 leaves ~19 digits spare
#define HEAD 15

static int usage(void) {
  fprintf(stderr, "usage: superpi N   (pi to 2^N decimal digits, %d <= N <= %d)\n", MIN_LOG2, MAX_LOG2);
  return 2;
}

// Strict: decimal digits only, so "22x", "+22", " 22" and "" are usage errors, not 22 or 0.
static int parse_log2(const char *s, int *out) {
  size_t len = strlen(s);
  if (len == 0 || len > 2 || strspn(s, "0123456789") != len) return -1;
  int n = 0;
  for (const char *p = s; *p; p++) n = n * 10 + (*p - '0');
  if (n < MIN_LOG2 || n > MAX_LOG2) return -1;
  *out = n;
  return 0;
}

// Gauss-Legendre: a0 = 1, b0 = 1/sqrt(2), t0 = 1/4, p0 = 1; a' = (a+b)/2, b' = sqrt(ab),
// t' = t - p(a-a')^2, p' = 2p; pi ~ (a+b)^2 / 4t. Digits roughly double with each step.
static int gauss_legendre(mpfr_t pi, mpfr_prec_t prec) {
  mpfr_t a, b, t, a1, d;
  mpfr_inits2(prec, a, b, t, a1, d, (mpfr_ptr)0);
  mpfr_set_ui(a, 1, MPFR_RNDN);
  mpfr_sqrt_ui(b, 2, MPFR_RNDN);
  mpfr_ui_div(b, 1, b, MPFR_RNDN);
  mpfr_set_ui_2exp(t, 1, -2, MPFR_RNDN);
  long log2p = 0; // p is a power of two: multiplying by it is an exponent shift
  int k = 0;
  while (k < 64) { // 64 is never reached for N <= 26 (about N steps); a cap, not a tuning knob
    mpfr_add(a1, a, b, MPFR_RNDN);
    mpfr_div_2ui(a1, a1, 1, MPFR_RNDN);
    mpfr_mul(b, a, b, MPFR_RNDN);
    mpfr_sqrt(b, b, MPFR_RNDN);
    mpfr_sub(d, a, a1, MPFR_RNDN);
    mpfr_sqr(d, d, MPFR_RNDN);
    mpfr_mul_2si(d, d, log2p, MPFR_RNDN);
    mpfr_sub(t, t, d, MPFR_RNDN);
    mpfr_swap(a, a1);
    log2p++;
    k++;
    // Converged once the next correction p(a-a')^2 = p((a-b)/2)^2 falls below the working precision.
    mpfr_sub(d, a, b, MPFR_RNDN);
    if (mpfr_zero_p(d) || 2 * (mpfr_get_exp(d) - 1) + log2p < -(long)prec) break;
  }
  mpfr_add(a, a, b, MPFR_RNDN);
  mpfr_sqr(a, a, MPFR_RNDN);
  mpfr_mul_2ui(t, t, 2, MPFR_RNDN);
  mpfr_div(pi, a, t, MPFR_RNDN);
  mpfr_clears(a, b, t, a1, d, (mpfr_ptr)0);
  return k;
}

int main(int argc, char **argv) {
  int n;
  if (argc != 2 || parse_log2(argv[1], &n) != 0) return usage();
  size_t digits = (size_t)1 << n;
  // log2(10) bits per decimal digit, plus guard bits for the rounding error of the iterations.
  mpfr_prec_t prec = (mpfr_prec_t)((double)digits * 3.3219280948873623) + 1 + GUARD_BITS;

  mpfr_t pi, ref;
  mpfr_init2(pi, prec);
  mpfr_init2(ref, prec);
  int iterations = gauss_legendre(pi, prec);
  mpfr_const_pi(ref, MPFR_RNDN);

  // Truncated (RNDZ) decimal expansions: two values within a few ulps agree on every digit of
  // 2^N unless a multiple of 10^-(2^N-1) lies between them, which leaves the count below 2^N.
  mpfr_exp_t e1, e2;
  char *s1 = mpfr_get_str(NULL, &e1, 10, digits, pi, MPFR_RNDZ);
  char *s2 = mpfr_get_str(NULL, &e2, 10, digits, ref, MPFR_RNDZ);
  if (!s1 || !s2) {
    fprintf(stderr, "superpi: cannot convert %zu digits to decimal\n", digits);
    return 1;
  }
  size_t verified = 0;
  if (e1 == e2 && e1 == 1)
    while (verified < digits && s1[verified] == s2[verified]) verified++;
  if (verified < digits) {
    fprintf(stderr, "superpi: only %zu of %zu digits agree with mpfr_const_pi (%d iterations)\n",
            verified, digits, iterations);
    return 1;
  }
  printf("digits=%zu\nverified=%zu\niterations=%d\nhead=%c.%.*s\n", digits, verified, iterations, s1[0],
         HEAD - 1, s1 + 1);
  mpfr_free_str(s1);
  mpfr_free_str(s2);
  mpfr_clears(pi, ref, (mpfr_ptr)0);
  mpfr_free_cache();
  return 0;
}
