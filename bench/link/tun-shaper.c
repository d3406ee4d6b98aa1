// A user-space stand-in for netem (this machine's kernel has no sch_netem): two TUN devices, and every IP packet
// read from one is written to the other after a rate limit (serialization at RATE bit/s), a fixed one-way DELAY,
// random LOSS and a tail-drop queue of LIMIT packets per direction — netem's "rate R delay D loss L limit N" on
// both directions. bench/link/shaped-link.ts builds and drives it: it moves one device into a network namespace
// and gives both addresses.
//
//   tun-shaper IF_A IF_B        then lines on stdin: "RATE_BIT_S DELAY_US LOSS_PPM LIMIT" (applied at once)
//
// Prints "ready" once both devices exist. Exits when stdin closes.
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

struct pkt {
  struct pkt *next;
  uint64_t due;
  int len;
  unsigned char data[];
};
struct queue {
  struct pkt *head, *tail;
  int count;
  uint64_t last_departure;
};

static uint64_t rate = 1000000000, delay_us = 0, loss_ppm = 0, limit = 1000;
static uint64_t sent[2], dropped_loss[2], dropped_queue[2];

static uint64_t now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int open_tun(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
  if (fd < 0) {
    perror("open /dev/net/tun");
    exit(1);
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    perror("TUNSETIFF");
    exit(1);
  }
  return fd;
}

static void enqueue(struct queue *q, const unsigned char *buf, int len, int dir) {
  if (loss_ppm && (uint64_t)(drand48() * 1e6) < loss_ppm) {
    dropped_loss[dir]++;
    return;
  }
  if ((uint64_t)q->count >= limit) {
    dropped_queue[dir]++;
    return;
  }
  uint64_t now = now_us();
  uint64_t start = q->last_departure > now ? q->last_departure : now;
  uint64_t departure = start + (uint64_t)len * 8 * 1000000 / rate;
  q->last_departure = departure;
  struct pkt *p = malloc(sizeof *p + len);
  p->next = NULL;
  p->due = departure + delay_us;
  p->len = len;
  memcpy(p->data, buf, len);
  if (q->tail)
    q->tail->next = p;
  else
    q->head = p;
  q->tail = p;
  q->count++;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: tun-shaper IF_A IF_B\n");
    return 2;
  }
  int fd[2] = {open_tun(argv[1]), open_tun(argv[2])};
  struct queue q[2];
  memset(q, 0, sizeof q);
  srand48(getpid());
  printf("ready\n");
  fflush(stdout);
  static unsigned char buf[65536];
  char line[256];
  size_t line_len = 0;
  for (;;) {
    uint64_t now = now_us();
    int64_t wait = -1;
    for (int d = 0; d < 2; d++) {
      while (q[d].head && q[d].head->due <= now) {
        struct pkt *p = q[d].head;
        if (write(fd[1 - d], p->data, p->len) == p->len) sent[d]++;
        q[d].head = p->next;
        if (!q[d].head) q[d].tail = NULL;
        q[d].count--;
        free(p);
      }
      if (q[d].head) {
        int64_t w = (int64_t)(q[d].head->due - now);
        if (wait < 0 || w < wait) wait = w;
      }
    }
    struct pollfd pf[3] = {{fd[0], POLLIN, 0}, {fd[1], POLLIN, 0}, {0, POLLIN, 0}};
    struct timespec ts = {wait / 1000000, (wait % 1000000) * 1000};
    if (ppoll(pf, 3, wait < 0 ? NULL : &ts, NULL) < 0 && errno != EINTR) {
      perror("ppoll");
      return 1;
    }
    for (int d = 0; d < 2; d++)
      if (pf[d].revents & POLLIN)
        for (int n = 0; n < 64; n++) {
          ssize_t len = read(fd[d], buf, sizeof buf);
          if (len <= 0) break;
          enqueue(&q[d], buf, (int)len, d);
        }
    if (pf[2].revents & (POLLIN | POLLHUP)) {
      ssize_t len = read(0, line + line_len, sizeof line - 1 - line_len);
      if (len <= 0) break;
      line_len += len;
      line[line_len] = 0;
      char *nl;
      while ((nl = strchr(line, '\n'))) {
        *nl = 0;
        unsigned long long r, dl, l, lim;
        if (sscanf(line, "%llu %llu %llu %llu", &r, &dl, &l, &lim) == 4) {
          rate = r ? r : 1;
          delay_us = dl;
          loss_ppm = l;
          limit = lim;
          printf("set %llu %llu %llu %llu\n", r, dl, l, lim);
        } else if (strcmp(line, "stats") == 0) {
          printf("stats %llu %llu %llu %llu %llu %llu\n", (unsigned long long)sent[0],
                 (unsigned long long)sent[1], (unsigned long long)dropped_loss[0],
                 (unsigned long long)dropped_loss[1], (unsigned long long)dropped_queue[0],
                 (unsigned long long)dropped_queue[1]);
        }
        fflush(stdout);
        line_len -= (nl + 1 - line);
        memmove(line, nl + 1, line_len + 1);
      }
    }
  }
  return 0;
}
