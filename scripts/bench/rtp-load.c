// RTP side of the media benchmark's load generator (scripts/bench/media-load-generator.mjs), in C so that the
// generator's own CPU does not decide the result: the server and the generator share the same two cores, and the
// JS generator cost about as much per packet as the server. Compiled by media.mjs at bench time (gcc -O2, into a
// temporary folder); the JS generator keeps SIP and drives this process through lines on stdin/stdout.
//
// One thread, one epoll: every caller has a connected RTP socket (even port) and an RTCP socket (port + 1,
// RFC 3550 §11) on 127.0.0.1. A timerfd on CLOCK_MONOTONIC wakes `phases` times per 20 ms and each wake sends one
// packet for the callers of that phase: looped µ-law caller audio, or an RFC 4733 key press in its place every
// --dtmf-every seconds (10 tone packets, then 3 end packets, all with the event's start timestamp, §2.5.1).
// Receiving drains each RTP socket with recvmmsg and takes the kernel's arrival time (SO_TIMESTAMPNS), so the
// send interval measured is the server's pacing, not this process's scheduling. The RTP sockets are drained on the
// timer, each one every 20 ms right after its call's send, and are not in the epoll set: a socket watched by epoll
// makes every packet that reaches it run epoll's wake-up callback in the sender's context (on loopback the sender
// is the server, whose CPU would pay for this process's way of waiting; a peer on another machine costs the server
// nothing of the sort). RTCP sockets (one packet per call every few seconds) stay in the epoll set.
//
// Modes (fifth argument): `shared` (the default) gives every caller the same RTP/RTCP pair: each phase's packets
// leave in one sendmmsg (a destination per message), and the RTP socket is drained with recvmmsg 64 datagrams at a
// time, told apart by their source port (each call's IVR port, from `connect`). The IVR sees every call come from
// one address and port, as from a media gateway, and this process costs a fraction of a core less, which on two
// shared cores is CPU the IVR gets back. `percall` keeps one socket pair per caller (one send and one recvmmsg per
// call and tick), and `epoll` also puts those RTP sockets in the epoll set, as before 2026-11-28.
//
// Commands (one per line): `open I` → `port I P` (or `error I`); `connect I P` starts sending to 127.0.0.1:P;
// `stop I` stops sending; `close I` closes the sockets; `measure 1|0` starts or ends the measurement window
// (`measure 0` answers `window P50 P99 MAX COUNT DEV_P99 LATE_P99` in ms: send interval percentiles, p99 of
// |interval − 20|, p99 of this process's timer lateness); `report` answers one `call I SENT RECEIVED EXPECTED
// JITTER_TS DTMF STRAYS` line per caller then `end`; `quit` exits.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES 160
#define PT_PCMU 0
#define PT_EVENT 101
#define BUCKET_MS 0.05
#define BUCKETS 20000
#define BATCH 64
#define MAX_CALLS 20000

typedef struct {
  int rtp, rtcp, port, sending, open;
  uint32_t ssrc, ts, remote_ssrc;
  uint16_t seq;
  size_t audio_offset;
  int marker, dtmf_packet, dtmf_digit;
  uint32_t dtmf_ts;
  long own_tick, dtmf_due;
  long sent, received, dtmf_sent, strays, cycles;
  int first_seq, max_seq, have_remote;
  double last_arrival, jitter;
  int64_t transit;
  int have_transit;
  struct sockaddr_in dest;
} call_t;

static call_t *calls;
static int ncalls;
static unsigned char *audio;
static size_t audio_len;
static int phases = 4;
/** 1: RTP sockets in the epoll set, drained when readable; 0: drained on the timer (see the header). */
static int epoll_rtp = 0;
/** 1: one RTP/RTCP socket pair for every call (see the header). */
static int shared = 1;
static int shared_rtp = -1, shared_rtcp = -1, shared_port;
/** IVR RTP port → call index + 1 (0: none), for demultiplexing the shared socket. */
static int port_call[65536];
static long dtmf_every_ticks;
static int next_port = 30000;
static int measuring;
static uint32_t hist[BUCKETS], dev_hist[BUCKETS], late_hist[BUCKETS];
static double hist_max;
static long hist_total, late_total;
static int epfd;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void record(uint32_t *h, double ms) {
  long b = (long)(ms / BUCKET_MS);
  if (b < 0) b = 0;
  if (b >= BUCKETS) b = BUCKETS - 1;
  h[b]++;
}

static double percentile(const uint32_t *h, long total, double p) {
  if (total == 0) return -1;
  long rank = (long)((p / 100.0) * total + 0.999999), seen = 0;
  for (int i = 0; i < BUCKETS; i++) {
    seen += h[i];
    if (seen >= rank) return (i + 0.5) * BUCKET_MS;
  }
  return BUCKETS * BUCKET_MS;
}

static int bind_port(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void init_call(call_t *c, int i, int rtp, int rtcp, int port) {
  memset(c, 0, sizeof *c);
  c->rtp = rtp;
  c->rtcp = rtcp;
  c->port = port;
  c->open = 1;
  c->ssrc = (uint32_t)random() ^ ((uint32_t)random() << 16);
  c->seq = (uint16_t)random();
  c->ts = (uint32_t)random();
  c->audio_offset = ((size_t)(i * 37) % (audio_len / SAMPLES)) * SAMPLES;
  c->marker = 1;
  c->dtmf_packet = -1;
  c->dtmf_due = dtmf_every_ticks > 0 ? 50 + (i % dtmf_every_ticks) : -1;
  c->first_seq = -1;
  c->last_arrival = -1;
  if (i >= ncalls) ncalls = i + 1;
}

/** An RTP/RTCP pair on the next free even port (RFC 3550 §11), RTP with kernel receive timestamps; -1 if none. */
static int bind_pair(int *rtp_out, int *rtcp_out) {
  for (int attempt = 0; attempt < 1400; attempt++) {
    int port = next_port;
    next_port = port >= 32766 ? 30000 : port + 2;
    int rtp = bind_port(port);
    if (rtp < 0) continue;
    int rtcp = bind_port(port + 1);
    if (rtcp < 0) {
      close(rtp);
      continue;
    }
    int on = 1;
    setsockopt(rtp, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    *rtp_out = rtp;
    *rtcp_out = rtcp;
    return port;
  }
  return -1;
}

/** The shared pair, bound on first use, with buffers for every call's packets of a few ticks. */
static int open_shared(void) {
  if (shared_rtp >= 0) return 0;
  int rtp, rtcp, port = bind_pair(&rtp, &rtcp);
  if (port < 0) return -1;
  {
    int size = 32 << 20;
    // SO_*BUFFORCE needs CAP_NET_ADMIN; without it the plain options are capped by net.core.*mem_max.
    if (setsockopt(rtp, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
      setsockopt(rtp, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (setsockopt(rtp, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
      setsockopt(rtp, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = UINT64_MAX - 2};
    epoll_ctl(epfd, EPOLL_CTL_ADD, rtcp, &ev);
    shared_rtp = rtp;
    shared_rtcp = rtcp;
    shared_port = port;
  }
  return 0;
}

static void open_call(int i) {
  if (i < 0 || i >= MAX_CALLS) return;
  if (shared) {
    if (open_shared() < 0) {
      printf("error %d\n", i);
      return;
    }
    init_call(&calls[i], i, shared_rtp, shared_rtcp, shared_port);
    printf("port %d %d\n", i, shared_port);
    return;
  }
  int rtp, rtcp, port = bind_pair(&rtp, &rtcp);
  if (port >= 0) {
    init_call(&calls[i], i, rtp, rtcp, port);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ((uint64_t)i << 1)};
    if (epoll_rtp) epoll_ctl(epfd, EPOLL_CTL_ADD, rtp, &ev);
    ev.data.u64 = ((uint64_t)i << 1) | 1;
    epoll_ctl(epfd, EPOLL_CTL_ADD, rtcp, &ev);
    printf("port %d %d\n", i, port);
    return;
  }
  printf("error %d\n", i);
}

static void close_call(call_t *c) {
  if (!c->open) return;
  c->open = 0;
  c->sending = 0;
  if (shared) {
    int port = ntohs(c->dest.sin_port);
    if (port_call[port] == (int)(c - calls) + 1) port_call[port] = 0;
    return;
  }
  close(c->rtp);
  close(c->rtcp);
}

/** Writes the call's next packet (audio, or a key press in its place) into `pkt`; returns its length. */
static size_t build_media(call_t *c, unsigned char *pkt) {
  size_t len;
  c->own_tick++;
  if (c->dtmf_packet < 0 && c->dtmf_due >= 0 && c->own_tick >= c->dtmf_due) {
    c->dtmf_packet = 0;
    c->dtmf_digit = (int)((c - calls) + c->dtmf_sent) % 10;
    c->dtmf_ts = c->ts;
    c->dtmf_due = c->own_tick + dtmf_every_ticks;
  }
  pkt[0] = 0x80;
  if (c->dtmf_packet >= 0) {
    int k = c->dtmf_packet, end = k >= 10, units = (k + 1 < 10 ? k + 1 : 10) * SAMPLES;
    pkt[1] = (k == 0 ? 0x80 : 0) | PT_EVENT;
    uint32_t ts = htonl(c->dtmf_ts);
    memcpy(pkt + 4, &ts, 4);
    pkt[12] = (unsigned char)c->dtmf_digit;
    pkt[13] = (end ? 0x80 : 0) | 10;
    pkt[14] = (unsigned char)(units >> 8);
    pkt[15] = (unsigned char)units;
    len = 16;
    c->dtmf_packet = k == 12 ? -1 : k + 1;
    if (k == 0) c->dtmf_sent++;
  } else {
    pkt[1] = (c->marker ? 0x80 : 0) | PT_PCMU;
    c->marker = 0;
    uint32_t ts = htonl(c->ts);
    memcpy(pkt + 4, &ts, 4);
    memcpy(pkt + 12, audio + c->audio_offset, SAMPLES);
    len = 12 + SAMPLES;
  }
  uint16_t seq = htons(c->seq);
  memcpy(pkt + 2, &seq, 2);
  uint32_t ssrc = htonl(c->ssrc);
  memcpy(pkt + 8, &ssrc, 4);
  c->seq++;
  c->ts += SAMPLES;
  c->audio_offset += SAMPLES;
  if (c->audio_offset >= audio_len) c->audio_offset = 0;
  return len;
}

static void send_media(call_t *c) {
  unsigned char pkt[12 + SAMPLES];
  size_t len = build_media(c, pkt);
  if (send(c->rtp, pkt, len, MSG_DONTWAIT) >= 0) c->sent++;
}

#define SEND_BATCH 512
/** Sends `n` prepared messages on the shared socket, counting each one the kernel took. */
static void flush_shared(struct mmsghdr *msgs, call_t **who, int n) {
  int done = 0;
  while (done < n) {
    int r = sendmmsg(shared_rtp, msgs + done, (unsigned)(n - done), MSG_DONTWAIT);
    if (r <= 0) break;
    for (int j = done; j < done + r; j++) who[j]->sent++;
    done += r;
  }
}
/** Shared mode: the packets of every sending call of a phase in sendmmsg batches. */
static void send_phase_shared(int phase) {
  static unsigned char pkts[SEND_BATCH][12 + SAMPLES];
  static struct mmsghdr msgs[SEND_BATCH];
  static struct iovec iov[SEND_BATCH];
  static call_t *who[SEND_BATCH];
  int n = 0;
  for (int k = phase; k < ncalls; k += phases) {
    call_t *c = &calls[k];
    if (!c->sending) continue;
    iov[n].iov_base = pkts[n];
    iov[n].iov_len = build_media(c, pkts[n]);
    memset(&msgs[n].msg_hdr, 0, sizeof msgs[n].msg_hdr);
    msgs[n].msg_hdr.msg_name = &c->dest;
    msgs[n].msg_hdr.msg_namelen = sizeof c->dest;
    msgs[n].msg_hdr.msg_iov = &iov[n];
    msgs[n].msg_hdr.msg_iovlen = 1;
    who[n] = c;
    if (++n == SEND_BATCH) {
      flush_shared(msgs, who, n);
      n = 0;
    }
  }
  flush_shared(msgs, who, n);
}

static void on_rtp(call_t *c, const unsigned char *m, ssize_t n, double arrival) {
  if (n < 12 || (m[1] & 0x7f) >= 72) return;
  uint32_t ssrc = ntohl(*(const uint32_t *)(m + 8));
  if (!c->sending || (c->have_remote && ssrc != c->remote_ssrc)) {
    c->strays++;
    return;
  }
  c->have_remote = 1;
  c->remote_ssrc = ssrc;
  int seq = ntohs(*(const uint16_t *)(m + 2));
  uint32_t ts = ntohl(*(const uint32_t *)(m + 4));
  c->received++;
  if (c->first_seq < 0) {
    c->first_seq = seq;
    c->max_seq = seq;
  } else {
    int delta = (seq - c->max_seq) & 0xffff;
    if (delta > 0 && delta < 3000) {
      if (seq < c->max_seq) c->cycles += 0x10000;
      c->max_seq = seq;
    }
  }
  if (measuring) {
    if (c->last_arrival >= 0) {
      double interval = arrival - c->last_arrival;
      record(hist, interval);
      record(dev_hist, interval > 20 ? interval - 20 : 20 - interval);
      hist_total++;
      if (interval > hist_max) hist_max = interval;
    }
    c->last_arrival = arrival;
  }
  // RFC 3550 A.8, arrival in timestamp units (8 per ms).
  int32_t transit = (int32_t)((uint32_t)(int64_t)(arrival * 8) - ts);
  if (c->have_transit) {
    int32_t d = transit - (int32_t)c->transit;
    if (d < 0) d = -d;
    c->jitter += (d - c->jitter) / 16;
  }
  c->transit = transit;
  c->have_transit = 1;
}

/**
 * Everything a socket holds, `BATCH` datagrams per recvmmsg. RTP datagrams go to `c`, or with `c` NULL (the shared
 * socket) to the call whose IVR port sent them; RTCP is read and dropped. Arrival is the kernel's receive time.
 */
static void drain_socket(int fd, call_t *c, int rtcp) {
  static unsigned char bufs[BATCH][256];
  static char ctrl[BATCH][64];
  static struct sockaddr_in from[BATCH];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  for (;;) {
    for (int k = 0; k < BATCH; k++) {
      iov[k].iov_base = bufs[k];
      iov[k].iov_len = sizeof bufs[k];
      memset(&msgs[k].msg_hdr, 0, sizeof msgs[k].msg_hdr);
      msgs[k].msg_hdr.msg_name = &from[k];
      msgs[k].msg_hdr.msg_namelen = sizeof from[k];
      msgs[k].msg_hdr.msg_iov = &iov[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
      msgs[k].msg_hdr.msg_control = ctrl[k];
      msgs[k].msg_hdr.msg_controllen = sizeof ctrl[k];
    }
    int got = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (got <= 0) return;
    if (rtcp) continue;
    double fallback = -1;
    for (int k = 0; k < got; k++) {
      call_t *to = c;
      if (to == NULL) {
        int index = port_call[ntohs(from[k].sin_port)] - 1;
        if (index < 0 || !calls[index].open) continue;
        to = &calls[index];
      }
      double arrival = -1;
      for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msgs[k].msg_hdr); cm; cm = CMSG_NXTHDR(&msgs[k].msg_hdr, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec t;
          memcpy(&t, CMSG_DATA(cm), sizeof t);
          arrival = t.tv_sec * 1e3 + t.tv_nsec / 1e6;
        }
      }
      if (arrival < 0) {
        // No kernel timestamp: our own clock (CLOCK_REALTIME, the timestamps' clock).
        if (fallback < 0) {
          struct timespec t;
          clock_gettime(CLOCK_REALTIME, &t);
          fallback = t.tv_sec * 1e3 + t.tv_nsec / 1e6;
        }
        arrival = fallback;
      }
      on_rtp(to, bufs[k], msgs[k].msg_len, arrival);
    }
    if (got < BATCH) return;
  }
}

static void drain(call_t *c, int rtcp) { drain_socket(rtcp ? c->rtcp : c->rtp, c, rtcp); }

static void command(char *line) {
  int i = -1, p = 0;
  if (sscanf(line, "open %d", &i) == 1) {
    open_call(i);
  } else if (sscanf(line, "connect %d %d", &i, &p) == 2 && i >= 0 && i < ncalls && calls[i].open) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(p)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    calls[i].dest = a;
    if (shared) {
      if (p > 0 && p < 65536) port_call[p] = i + 1;
      calls[i].sending = 1;
    } else if (connect(calls[i].rtp, (struct sockaddr *)&a, sizeof a) == 0) {
      calls[i].sending = 1;
    }
  } else if (sscanf(line, "stop %d", &i) == 1 && i >= 0 && i < ncalls) {
    calls[i].sending = 0;
  } else if (sscanf(line, "close %d", &i) == 1 && i >= 0 && i < ncalls) {
    close_call(&calls[i]);
  } else if (sscanf(line, "measure %d", &p) == 1) {
    if (p) {
      memset(hist, 0, sizeof hist);
      memset(dev_hist, 0, sizeof dev_hist);
      memset(late_hist, 0, sizeof late_hist);
      hist_total = late_total = 0;
      hist_max = 0;
      for (int k = 0; k < ncalls; k++) calls[k].last_arrival = -1;
      measuring = 1;
    } else {
      measuring = 0;
      printf("window %.3f %.3f %.3f %ld %.3f %.3f\n", percentile(hist, hist_total, 50),
             percentile(hist, hist_total, 99), hist_max, hist_total, percentile(dev_hist, hist_total, 99),
             percentile(late_hist, late_total, 99));
    }
  } else if (strncmp(line, "report", 6) == 0) {
    for (int k = 0; k < ncalls; k++) {
      call_t *c = &calls[k];
      long expected = c->first_seq < 0 ? 0 : c->cycles + c->max_seq - c->first_seq + 1;
      printf("call %d %ld %ld %ld %.3f %ld %ld\n", k, c->sent, c->received, expected, c->jitter, c->dtmf_sent,
             c->strays);
    }
    printf("end\n");
  } else if (strncmp(line, "quit", 4) == 0) {
    exit(0);
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: rtp-load AUDIO.ul PHASES DTMF_EVERY_SECONDS [shared|percall|epoll]\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 2;
  fseek(f, 0, SEEK_END);
  audio_len = (size_t)ftell(f);
  audio_len -= audio_len % SAMPLES;
  fseek(f, 0, SEEK_SET);
  audio = malloc(audio_len);
  if (audio_len == 0 || fread(audio, 1, audio_len, f) != audio_len) return 2;
  fclose(f);
  phases = atoi(argv[2]);
  dtmf_every_ticks = (long)(atof(argv[3]) * 1000 / 20);
  epoll_rtp = argc > 4 && strcmp(argv[4], "epoll") == 0;
  shared = !(argc > 4 && (strcmp(argv[4], "percall") == 0 || epoll_rtp));
  calls = calloc(MAX_CALLS, sizeof *calls);
  srandom((unsigned)getpid());
  setvbuf(stdout, NULL, _IOLBF, 0);
  epfd = epoll_create1(0);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  long period_ns = 20000000L / phases;
  struct itimerspec its = {.it_interval = {0, period_ns}, .it_value = start};
  its.it_value.tv_nsec += period_ns;
  if (its.it_value.tv_nsec >= 1000000000L) {
    its.it_value.tv_sec++;
    its.it_value.tv_nsec -= 1000000000L;
  }
  timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
  double t0 = start.tv_sec * 1e3 + start.tv_nsec / 1e6;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = UINT64_MAX};
  epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);
  ev.data.u64 = UINT64_MAX - 1;
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev);
  char inbuf[1 << 16];
  size_t inlen = 0;
  long tick = 0;
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(epfd, events, 256, -1);
    for (int e = 0; e < n; e++) {
      uint64_t key = events[e].data.u64;
      if (key == UINT64_MAX) {
        uint64_t expirations = 0;
        if (read(tfd, &expirations, sizeof expirations) <= 0) continue;
        double now = now_ms();
        // After a stall, move on to the current slot (as the JS generator does): no burst of missed ticks.
        tick += (long)expirations;
        double deadline = t0 + tick * (period_ns / 1e6);
        if (measuring) {
          record(late_hist, now - deadline > 0 ? now - deadline : 0);
          late_total++;
        }
        int phase = (int)(tick % phases);
        if (shared) {
          send_phase_shared(phase);
          drain_socket(shared_rtp, NULL, 0);
          continue;
        }
        for (int k = phase; k < ncalls; k += phases)
          if (calls[k].sending) send_media(&calls[k]);
        if (!epoll_rtp)
          for (int k = phase; k < ncalls; k += phases)
            if (calls[k].open) drain(&calls[k], 0);
      } else if (key == UINT64_MAX - 1) {
        ssize_t r;
        while ((r = read(0, inbuf + inlen, sizeof inbuf - 1 - inlen)) > 0) inlen += (size_t)r;
        if (r == 0) return 0;
        char *startp = inbuf, *nl;
        while ((nl = memchr(startp, '\n', inlen - (size_t)(startp - inbuf))) != NULL) {
          *nl = 0;
          command(startp);
          startp = nl + 1;
        }
        inlen -= (size_t)(startp - inbuf);
        memmove(inbuf, startp, inlen);
      } else if (key == UINT64_MAX - 2) {
        char discard[512];
        while (recv(shared_rtcp, discard, sizeof discard, MSG_DONTWAIT) > 0) {
        }
      } else {
        call_t *c = &calls[key >> 1];
        if (c->open) drain(c, (int)(key & 1));
      }
    }
  }
}
