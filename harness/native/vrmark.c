// vrmark: runs a command inside the system under test between two ICMP echo requests to the timer.
// The timer timestamps their arrival with its own kernel clock; this process only says when it starts
// and ends, and records the in-guest CLOCK_MONOTONIC time beside it (the distortion is the gap).
//
//   vrmark TIMER_IPV4 RUN_ID -- COMMAND [ARGS...]
//
// Each echo's payload is 16 bytes: "VRLB", a flag ('W' warm-up, 'S' start, 'E' end) and the run id
// (11 characters of [a-z0-9]), so the timer cannot mix up concurrent, repeated or stray markers.
// The warm-up echo waits for its reply: ARP and routes are resolved before the start marker leaves.
// Exit status: the command's (128 + signal if killed); 96 when a marker cannot be sent; 97 when the
// timer does not answer the warm-up; 2 on a usage error. The last stderr line is
// `vrmark run=ID inguest_ns=N status=S`.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_ID_LEN 11
#define PAYLOAD 16

static uint16_t checksum(const void *data, size_t len) {
  const uint8_t *p = data;
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (len & 1) sum += (uint32_t)(p[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons((uint16_t)~sum);
}

static int send_marker(int fd, const struct sockaddr_in *to, char flag, const char *run, uint16_t seq) {
  uint8_t pkt[sizeof(struct icmphdr) + PAYLOAD];
  memset(pkt, 0, sizeof pkt);
  struct icmphdr *h = (struct icmphdr *)pkt;
  h->type = ICMP_ECHO;
  h->un.echo.id = htons((uint16_t)getpid());
  h->un.echo.sequence = htons(seq);
  memcpy(pkt + sizeof *h, "VRLB", 4);
  pkt[sizeof *h + 4] = (uint8_t)flag;
  memcpy(pkt + sizeof *h + 5, run, RUN_ID_LEN);
  h->checksum = checksum(pkt, sizeof pkt);
  ssize_t n = sendto(fd, pkt, sizeof pkt, 0, (const struct sockaddr *)to, sizeof *to);
  if (n != (ssize_t)sizeof pkt) {
    fprintf(stderr, "vrmark: cannot send the '%c' marker: %s\n", flag, strerror(errno));
    return -1;
  }
  return 0;
}

// Waits up to 2 s for the echo reply to the warm-up (identified by id and sequence).
static int await_reply(int fd, uint16_t seq) {
  struct timespec end, now;
  clock_gettime(CLOCK_MONOTONIC, &end);
  end.tv_sec += 2;
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
    if (ms <= 0) return -1;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, (int)ms) <= 0) continue;
    uint8_t buf[1500];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < (ssize_t)sizeof(struct iphdr)) continue;
    size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
    if (n < (ssize_t)(ihl + sizeof(struct icmphdr))) continue;
    struct icmphdr *h = (struct icmphdr *)(buf + ihl);
    if (h->type == ICMP_ECHOREPLY && ntohs(h->un.echo.id) == (uint16_t)getpid() &&
        ntohs(h->un.echo.sequence) == seq)
      return 0;
  }
}

static int valid_run_id(const char *s) {
  if (strlen(s) != RUN_ID_LEN) return 0;
  for (const char *c = s; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'))) return 0;
  return 1;
}

int main(int argc, char **argv) {
  struct sockaddr_in to = {.sin_family = AF_INET};
  if (argc < 5 || strcmp(argv[3], "--") != 0 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
      !valid_run_id(argv[2])) {
    fprintf(stderr, "usage: vrmark TIMER_IPV4 RUN_ID(11 of [a-z0-9]) -- COMMAND [ARGS...]\n");
    return 2;
  }
  const char *run = argv[2];
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  if (fd < 0) {
    fprintf(stderr, "vrmark: raw ICMP socket: %s (vrmark runs as root)\n", strerror(errno));
    return 96;
  }
  if (send_marker(fd, &to, 'W', run, 1) != 0) return 96;
  if (await_reply(fd, 1) != 0) {
    fprintf(stderr, "vrmark: the timer %s did not answer the warm-up echo within 2 s\n", argv[1]);
    return 97;
  }
  fflush(NULL);
  // The child is forked before the start marker and waits on a pipe, so the timed window holds the
  // command's exec and run, not vrmark's fork.
  int go[2];
  if (pipe(go) != 0) {
    fprintf(stderr, "vrmark: pipe: %s\n", strerror(errno));
    return 96;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(fd);
    close(go[1]);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(125); // vrmark gave up before the start
    close(go[0]);
    execvp(argv[4], argv + 4);
    fprintf(stderr, "vrmark: cannot run %s: %s\n", argv[4], strerror(errno));
    _exit(127);
  }
  close(go[0]);
  if (pid < 0) {
    fprintf(stderr, "vrmark: fork: %s\n", strerror(errno));
    return 96;
  }
  struct timespec t0, t1;
  if (send_marker(fd, &to, 'S', run, 2) != 0) {
    close(go[1]);
    waitpid(pid, NULL, 0);
    return 96;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (write(go[1], "g", 1) != 1) {
    fprintf(stderr, "vrmark: cannot start the command: %s\n", strerror(errno));
    return 96;
  }
  close(go[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (send_marker(fd, &to, 'E', run, 3) != 0) return 96;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
  fprintf(stderr, "vrmark run=%s inguest_ns=%lld status=%d\n", run, ns, code);
  return code;
}
