/* echochat-loadgen: bounded, loopback-only load generator for the gateway's
 * WebSocket front (libwebsockets clients: a control context on the main
 * thread for publishers and the presence observer, and --threads receiver
 * contexts, each with its own service thread, for everything else).
 *
 * Modes:
 *   chat      S guest subscribers + P registered publishers in one room; each
 *             message text carries (publisher, sequence, send time), so every
 *             subscriber measures end-to-end latency and counts lost,
 *             duplicated and out-of-order frames.
 *   idle      N idle guest sockets; RSS of the given daemon pids is read from
 *             /proc before and after, per socket.
 *   presence  G guests (distinct X-Forwarded-For addresses) + U users join
 *             /ws/presence/ without ever pinging; an observer measures how
 *             long the view takes to show all of them.
 *
 * Safety: refuses non-loopback targets, caps counts and duration, stops by
 * itself. Publishers register over HTTP (one X-Forwarded-For address each, so
 * auth's per-IP limit does not trip); the stack's chat must run with a high
 * CHAT_MESSAGE_RATE_LIMIT (bench/README.md). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <libwebsockets.h>

#define MAX_SOCKETS 60000
#define MAX_PUBS 200
#define MAX_DURATION_S 600
#define MAX_THREADS 64
#define LAT_BUCKETS 200000 /* 10 µs resolution up to 2 s */

typedef enum { K_SUB, K_PUB, K_IDLE, K_PRES, K_OBS } kind_t;

/* One lws context and the thread that services it. Worker 0 is the control
 * context on the main thread (publishers, observer, pacing); workers 1..N are
 * receivers. ctx, loop and the socket list are set up before the threads
 * start; the rest is touched only by the worker's own thread while it runs
 * and read by the main thread after pthread_join, except `delivered`, which
 * the main thread also reads (atomically) to see the drain. */
typedef struct {
    int id;
    struct lws_context *ctx;
    struct ev_loop *loop; /* --evlib ev: the context's (foreign) libev loop */
    pthread_t thread;
    int *conn_ids; /* the sockets this context opens, in order */
    int nconn, connect_next;
    _Atomic uint64_t delivered;
    uint64_t dups, reorders;
    uint64_t *lat_hist; /* [LAT_BUCKETS + 1] */
    int64_t lat_max_ns;
} worker_t;

typedef struct {
    kind_t kind;
    int idx;
    worker_t *w;
    struct lws *wsi;
    bool open;
    int pending;  /* publisher: messages due */
    uint32_t seq; /* publisher: next sequence */
} conn_t;

static struct {
    const char *mode;
    char host[64];
    int ws_port, http_port;
    const char *room;
    int subs, pubs, idle, guests, users;
    int idle_presence; /* idle sockets on /ws/presence/ instead of a chat room */
    double rate; /* messages/s in total, 0 = as fast as chat answers */
    int duration;
    const char *pids;
    char origin[128];
    int threads;   /* receiver threads; 0 = everything on the main thread */
    bool evlib_ev; /* libev (epoll) loops (default) instead of lws's poll() loop */
} opt = {.mode = "chat", .room = "public", .subs = 100, .pubs = 2, .duration = 10, .rate = 100};

static worker_t workers[MAX_THREADS + 1];
static int nworkers; /* 1 + opt.threads */
static conn_t *conns;
static int nconns;
static atomic_int nopen, nfailed;
static char (*cookies)[192]; /* per publisher / user: "sessionid=..." */
/* main thread only */
static int64_t send_until_ns;
static double sent_owed;
static uint64_t sent, errors_rl, errors_other;
static int64_t pres_start_ns, pres_done_ns;
/* [sub][pub] last sequence seen + 1 (0 = none); a subscriber's row is only
 * touched by the thread of the context it belongs to */
static uint32_t *last_seq;
static volatile sig_atomic_t interrupted;
static atomic_bool connect_go; /* the workers may open their sockets */
static atomic_bool rx_stop;    /* receiver threads: leave the loop */
/* totals, merged from the workers after they have been joined */
static uint64_t delivered, dups, reorders;
static uint64_t lat_hist[LAT_BUCKETS + 1];
static int64_t lat_max_ns;

/* CPU time (user + system, all threads) this process has used so far. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *msg)
{
    fprintf(stderr, "loadgen: %s\n", msg);
    exit(2);
}

/* Blocking HTTP/1.1 exchange with the gateway (loopback); response in buf. */
static int http_exchange(const char *req, size_t len, char *buf, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.http_port)};
    inet_pton(AF_INET, opt.host, &sa.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, req + off, len - off);
        if (n <= 0) break;
        off += (size_t)n;
    }
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n <= 0) break;
        got += (size_t)n;
        if (got >= cap - 1) break;
    }
    buf[got] = '\0';
    close(fd);
    return (int)got;
}

static bool cookie_value(const char *resp, const char *name, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "Set-Cookie: %s=", name);
    const char *p = strcasestr(resp, pat);
    if (!p) return false;
    p += strlen(pat);
    size_t n = strcspn(p, ";\r\n");
    if (n == 0 || n >= cap) return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

/* Registers a fresh user from its own X-Forwarded-For address; writes
 * "sessionid=..." into cookie. */
static int register_user(int i, char *cookie, size_t cap)
{
    char req[2048], resp[16384], csrf[128], token[160], sid[160], ip[32], body[256];
    snprintf(ip, sizeof ip, "10.77.%d.%d", (i / 250) % 250, i % 250 + 1);
    int n = snprintf(req, sizeof req,
                     "GET /api/auth/csrf/ HTTP/1.1\r\nHost: %s:%d\r\nX-Forwarded-For: %s\r\n"
                     "Connection: close\r\n\r\n",
                     opt.host, opt.http_port, ip);
    if (http_exchange(req, (size_t)n, resp, sizeof resp) <= 0 ||
        !cookie_value(resp, "csrftoken", csrf, sizeof csrf))
        return -1;
    const char *t = strstr(resp, "\"csrfToken\": \"");
    if (!t || sscanf(t + 14, "%127[^\"]", token) != 1) return -1;
    int blen = snprintf(body, sizeof body,
                        "{\"username\": \"lg%d_%d_%ld\", \"password1\": \"pass12345\", "
                        "\"password2\": \"pass12345\"}",
                        i, (int)getpid(), (long)time(NULL) % 100000);
    n = snprintf(req, sizeof req,
                 "POST /api/auth/register/ HTTP/1.1\r\nHost: %s:%d\r\nX-Forwarded-For: %s\r\n"
                 "Origin: http://%s:%d\r\nCookie: csrftoken=%s\r\nX-CSRFToken: %s\r\n"
                 "Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n"
                 "\r\n%s",
                 opt.host, opt.http_port, ip, opt.host, opt.http_port, csrf, token, blen, body);
    if (http_exchange(req, (size_t)n, resp, sizeof resp) <= 0 ||
        !cookie_value(resp, "sessionid", sid, sizeof sid)) {
        fprintf(stderr, "loadgen: register failed: %.200s\n", resp);
        return -1;
    }
    snprintf(cookie, cap, "sessionid=%s", sid);
    return 0;
}

static void record_latency(worker_t *w, int64_t ns)
{
    if (ns < 0) ns = 0;
    if (ns > w->lat_max_ns) w->lat_max_ns = ns;
    int64_t b = ns / 10000;
    w->lat_hist[b < LAT_BUCKETS ? b : LAT_BUCKETS]++;
}

static double lat_percentile(double q)
{
    uint64_t total = 0, acc = 0;
    for (int i = 0; i <= LAT_BUCKETS; i++)
        total += lat_hist[i];
    if (!total) return 0;
    uint64_t want = (uint64_t)ceil(q * (double)total);
    for (int i = 0; i <= LAT_BUCKETS; i++) {
        acc += lat_hist[i];
        if (acc >= want) return (i + 1) * 0.01; /* ms, upper bucket edge */
    }
    return lat_max_ns / 1e6;
}

static void on_chat_frame(conn_t *c, const char *in, size_t len)
{
    const char *m = memmem(in, len, "\"message\": \"lg ", 15);
    if (!m) {
        if (c->kind == K_PUB && memmem(in, len, "rate_limited", 12))
            errors_rl++;
        else if (c->kind == K_PUB && memmem(in, len, "\"error\"", 7))
            errors_other++;
        return;
    }
    if (c->kind != K_SUB) return;
    /* "lg <pub> <seq> <ns>": strtoll rather than sscanf, which costs more
     * than the rest of this callback. */
    const char *end = in + len;
    char *p;
    long long pub = strtoll(m + 15, &p, 10);
    if (p >= end || *p != ' ' || pub < 0 || pub >= opt.pubs) return;
    long long seq = strtoll(p + 1, &p, 10);
    if (p >= end || *p != ' ' || seq < 0 || seq > UINT32_MAX - 1) return;
    long long ts = strtoll(p + 1, &p, 10);
    if (p >= end || *p != '"') return;
    worker_t *w = c->w;
    atomic_fetch_add_explicit(&w->delivered, 1, memory_order_relaxed);
    record_latency(w, now_ns() - ts);
    uint32_t *last = &last_seq[(size_t)c->idx * (size_t)opt.pubs + (size_t)pub];
    if (seq + 1 == *last || seq + 1 < *last) {
        if (seq + 1 == *last)
            w->dups++;
        else
            w->reorders++;
        return;
    }
    *last = seq + 1;
}

/* Presence observer: done when the view shows every guest and user. */
static void on_presence_frame(conn_t *c, const char *in, size_t len)
{
    if (c->kind != K_OBS || pres_done_ns) return;
    const char *g = memmem(in, len, "\"guests\": ", 10);
    int guests = g ? atoi(g + 10) : -1;
    int users = 0;
    for (const char *p = in; (p = memmem(p, len - (size_t)(p - in), "\"username\"", 10)); p += 10)
        users++;
    if (guests >= opt.guests && users >= opt.users + 1 && pres_start_ns) pres_done_ns = now_ns();
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    conn_t *c = (conn_t *)lws_get_opaque_user_data(wsi);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        unsigned char **p = (unsigned char **)in, *end = (*p) + len;
        char xff[32];
        if (c->kind == K_PUB || (c->kind == K_PRES && c->idx >= opt.guests) || c->kind == K_OBS) {
            int who = c->kind == K_PUB   ? c->idx
                      : c->kind == K_OBS ? opt.users
                                         : c->idx - opt.guests;
            const char *ck = cookies[who];
            if (lws_add_http_header_by_name(wsi, (const unsigned char *)"cookie:",
                                            (const unsigned char *)ck, (int)strlen(ck), p, end))
                return -1;
        }
        if (c->kind == K_PRES && c->idx < opt.guests) {
            snprintf(xff, sizeof xff, "10.88.%d.%d", (c->idx / 250) % 250, c->idx % 250 + 1);
            if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-forwarded-for:",
                                            (const unsigned char *)xff, (int)strlen(xff), p, end))
                return -1;
        }
        return 0;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        c->open = true;
        atomic_fetch_add(&nopen, 1);
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (atomic_fetch_add(&nfailed, 1) < 5)
            fprintf(stderr, "loadgen: connect failed: %s\n", in ? (const char *)in : "?");
        c->wsi = NULL;
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (!strcmp(opt.mode, "presence"))
            on_presence_frame(c, in, len);
        else
            on_chat_frame(c, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
        if (c->kind != K_PUB || c->pending <= 0) return 0;
        unsigned char buf[LWS_PRE + 256];
        int n = snprintf((char *)buf + LWS_PRE, 256, "{\"message\": \"lg %d %u %lld\"}", c->idx,
                         c->seq, (long long)now_ns());
        if (lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n) return -1;
        c->seq++;
        c->pending--;
        sent++;
        if (c->pending > 0) lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c->open) atomic_fetch_sub(&nopen, 1);
        c->open = false;
        c->wsi = NULL;
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {"loadgen", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void connect_one(conn_t *c)
{
    char path[256];
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = c->w->ctx;
    ci.address = opt.host;
    ci.port = opt.ws_port;
    if (c->kind == K_PRES || c->kind == K_OBS || (c->kind == K_IDLE && opt.idle_presence))
        snprintf(path, sizeof path, "/ws/presence/");
    else
        snprintf(path, sizeof path, "/ws/chat/%s/", opt.room);
    ci.path = path;
    ci.host = opt.host;
    ci.origin = opt.origin;
    ci.protocol = NULL;
    ci.local_protocol_name = "loadgen";
    ci.opaque_user_data = c;
    ci.pwsi = &c->wsi;
    lws_client_connect_via_info(&ci);
}

/* Main thread (publishers live on the control context), at least every
 * 5 ms: paced sends. */
static void pace(void)
{
    int64_t t = now_ns();
    if (!strcmp(opt.mode, "chat") && send_until_ns && t < send_until_ns) {
        static int64_t last;
        if (!last) last = t;
        sent_owed += opt.rate * (double)(t - last) / 1e9;
        last = t;
        static int pub; /* round-robin across calls: one message is owed per call at low rates */
        while (sent_owed >= 1.0) {
            conn_t *c = &conns[opt.subs + (pub++ % opt.pubs)];
            if (c->open) {
                c->pending++;
                lws_callback_on_writable(c->wsi);
            }
            sent_owed -= 1.0;
        }
    }
}

/* lws 4.1's poll() here does not always wake for our timers, so a helper
 * thread wakes every loop every 5 ms (lws_cancel_service is the one
 * call that is safe from another thread). */
static atomic_bool waker_stop;
static void *waker_main(void *arg)
{
    while (!atomic_load(&waker_stop)) {
        usleep(5000);
        for (int i = 0; i < nworkers; i++)
            lws_cancel_service(workers[i].ctx);
    }
    return NULL;
}

/* Opens up to 200 of the worker's sockets per turn (so the listen backlog is
 * never flooded), once the main thread allows it; worker thread only. */
static void connect_some(worker_t *w)
{
    if (!atomic_load(&connect_go)) return;
    for (int k = 0; k < 200 && w->connect_next < w->nconn; k++)
        connect_one(&conns[w->conn_ids[w->connect_next++]]);
}

/* One turn of a context's loop: lws_service() runs lws's own poll() loop;
 * with an event library lws_service() would run that library's loop (run_pt)
 * rather than one poll, so the loop is turned here directly, once. */
static void service_once(worker_t *w)
{
    if (w->loop)
        ev_run(w->loop, EVRUN_ONCE);
    else
        lws_service(w->ctx, 0);
}

/* Receiver thread: services its own context until told to stop. */
static void *rx_main(void *arg)
{
    worker_t *w = arg;
    char name[16];
    snprintf(name, sizeof name, "lg-rx%d", w->id);
    pthread_setname_np(pthread_self(), name);
    while (!atomic_load(&rx_stop)) {
        connect_some(w);
        service_once(w);
    }
    return NULL;
}

static long rss_kib(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    fclose(f);
    return kib;
}

static long rss_total(void)
{
    long total = 0;
    if (!opt.pids) return -1;
    char *dup = strdup(opt.pids), *save = NULL;
    for (char *p = strtok_r(dup, ",", &save); p; p = strtok_r(NULL, ",", &save))
        total += rss_kib(atoi(p));
    free(dup);
    return total;
}

static void on_signal(int sig)
{
    interrupted = 1;
}

/* Runs the control context on the main thread; staggered connects happen
 * here rather than in a timer, whose wake-ups lws may delay while the loop is
 * idle. */
static void serve_until(int64_t deadline_ns, bool (*done)(void))
{
    while (!interrupted && now_ns() < deadline_ns && !(done && done())) {
        connect_some(&workers[0]);
        pace();
        service_once(&workers[0]);
    }
}

static uint64_t delivered_so_far(void)
{
    uint64_t n = 0;
    for (int i = 0; i < nworkers; i++)
        n += atomic_load_explicit(&workers[i].delivered, memory_order_relaxed);
    return n;
}

static uint64_t drain_target;
static bool drained(void)
{
    return delivered_so_far() >= drain_target;
}

static bool all_open(void)
{
    /* nconns excludes the presence observer, which is counted in nopen */
    int extra = !strcmp(opt.mode, "presence");
    return atomic_load(&nopen) + atomic_load(&nfailed) >= nconns + extra;
}

/* Stops and joins the receiver threads, then merges their statistics. */
static void stop_workers(void)
{
    atomic_store(&rx_stop, true);
    for (int i = 1; i < nworkers; i++)
        pthread_join(workers[i].thread, NULL);
    for (int i = 0; i < nworkers; i++) {
        worker_t *w = &workers[i];
        delivered += atomic_load(&w->delivered);
        dups += w->dups;
        reorders += w->reorders;
        for (int b = 0; b <= LAT_BUCKETS; b++)
            lat_hist[b] += w->lat_hist[b];
        if (w->lat_max_ns > lat_max_ns) lat_max_ns = w->lat_max_ns;
    }
}

static bool presence_done(void)
{
    return pres_done_ns != 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: echochat-loadgen --ws ws://127.0.0.1:PORT [--http http://127.0.0.1:PORT]\n"
            "  --mode chat|idle|presence  --room public  --duration S (≤ %d)\n"
            "  chat:     --subs S --pubs P --rate MSGS_PER_S\n"
            "  idle:     --idle N --pids PID,PID [--presence: sockets on /ws/presence/]\n"
            "  presence: --guests G --users U\n"
            "  --origin HOST:PORT (sent as http://HOST:PORT; default the HTTP port)\n"
            "  --threads N  receiver threads, each with its own lws context (default: nproc;\n"
            "               0 = every socket on the main thread, as before; ≤ %d)\n"
            "  --evlib ev|poll  libev (epoll) loops (default) or lws's own poll() loop\n",
            MAX_DURATION_S, MAX_THREADS);
    exit(2);
}

static void parse_url(const char *url, const char *scheme, int *port)
{
    char host[64];
    if (sscanf(url, "%*[a-z]://%63[^:]:%d", host, port) != 2 ||
        strncmp(url, scheme, strlen(scheme)))
        die("bad URL (want scheme://127.0.0.1:PORT)");
    if (strcmp(host, "127.0.0.1") && strcmp(host, "localhost"))
        die("loopback targets only (127.0.0.1 / localhost)");
    snprintf(opt.host, sizeof opt.host, "127.0.0.1");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"ws", 1, 0, 'w'},     {"http", 1, 0, 'h'}, {"mode", 1, 0, 'm'},   {"room", 1, 0, 'r'},
        {"subs", 1, 0, 's'},   {"pubs", 1, 0, 'p'}, {"rate", 1, 0, 'R'},   {"duration", 1, 0, 'd'},
        {"idle", 1, 0, 'i'},   {"pids", 1, 0, 'P'}, {"guests", 1, 0, 'g'}, {"users", 1, 0, 'u'},
        {"origin", 1, 0, 'o'}, {"presence", 0, 0, 'Q'}, {"threads", 1, 0, 'T'}, {"evlib", 1, 0, 'E'},
        {0, 0, 0, 0}};
    int ch;
    bool have_ws = false;
    opt.threads = -1; /* default: one receiver thread per CPU */
    opt.evlib_ev = true;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'w':
            parse_url(optarg, "ws://", &opt.ws_port);
            have_ws = true;
            break;
        case 'h':
            parse_url(optarg, "http://", &opt.http_port);
            break;
        case 'm':
            opt.mode = optarg;
            break;
        case 'r':
            opt.room = optarg;
            break;
        case 's':
            opt.subs = atoi(optarg);
            break;
        case 'p':
            opt.pubs = atoi(optarg);
            break;
        case 'R':
            opt.rate = atof(optarg);
            break;
        case 'd':
            opt.duration = atoi(optarg);
            break;
        case 'i':
            opt.idle = atoi(optarg);
            break;
        case 'Q':
            opt.idle_presence = 1;
            break;
        case 'P':
            opt.pids = optarg;
            break;
        case 'g':
            opt.guests = atoi(optarg);
            break;
        case 'u':
            opt.users = atoi(optarg);
            break;
        case 'o':
            snprintf(opt.origin, sizeof opt.origin, "%s", optarg);
            break;
        case 'E':
            if (!strcmp(optarg, "ev") || !strcmp(optarg, "poll"))
                opt.evlib_ev = !strcmp(optarg, "ev");
            else
                usage();
            break;
        case 'T':
            opt.threads = atoi(optarg);
            if (opt.threads < 0 || opt.threads > MAX_THREADS) usage();
            break;
        default:
            usage();
        }
    }
    if (!have_ws || opt.duration < 1 || opt.duration > MAX_DURATION_S) usage();
    /* lws 4.1's client writes "Origin: http://" + this value itself. */
    if (!opt.origin[0])
        snprintf(opt.origin, sizeof opt.origin, "%s:%d", opt.host,
                 opt.http_port ? opt.http_port : opt.ws_port);
    bool chat = !strcmp(opt.mode, "chat"), idle = !strcmp(opt.mode, "idle"),
         pres = !strcmp(opt.mode, "presence");
    if (!chat && !idle && !pres) usage();
    if (chat && (opt.subs < 1 || opt.pubs < 1 || opt.pubs > MAX_PUBS || opt.rate <= 0 ||
                 opt.rate > 100000 || !opt.http_port))
        die("chat mode needs --http, 1 ≤ pubs ≤ 200, 0 < rate ≤ 100000");
    if (pres && (opt.guests < 0 || opt.users < 0 || (opt.users && !opt.http_port)))
        die("presence mode needs --http when --users > 0");
    nconns = chat ? opt.subs + opt.pubs : idle ? opt.idle : opt.guests + opt.users + 1;
    if (nconns < 1 || nconns > MAX_SOCKETS) die("socket count out of range (1..60000)");
    if (opt.threads < 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        opt.threads = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
    }
    nworkers = 1 + opt.threads;

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t)nconns + 64) die("ulimit -n too low for this many sockets");
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);

    int nusers = chat ? opt.pubs : pres ? opt.users + 1 : 0;
    cookies = calloc((size_t)nusers + 1, sizeof *cookies);
    for (int i = 0; i < nusers; i++)
        if (register_user(i, cookies[i], sizeof cookies[i]) != 0)
            die("could not register users (is auth up? AUTH_RATE_LIMIT?)");

    conns = calloc((size_t)nconns, sizeof *conns);
    for (int i = 0; i < nworkers; i++) {
        workers[i].id = i;
        workers[i].conn_ids = calloc((size_t)nconns, sizeof(int));
        workers[i].lat_hist = calloc(LAT_BUCKETS + 1, sizeof(uint64_t));
        if (!workers[i].conn_ids || !workers[i].lat_hist) die("out of memory");
    }
    int nrx = 0; /* receiving sockets placed so far */
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        c->idx = i;
        if (chat)
            c->kind = i < opt.subs ? K_SUB : K_PUB;
        else if (idle)
            c->kind = K_IDLE;
        else
            c->kind = i < opt.guests + opt.users ? K_PRES : K_OBS;
        if (chat && c->kind == K_PUB) c->idx = i - opt.subs;
        /* publishers and the observer on the control context; the rest
         * round-robin over the receivers */
        c->w = (c->kind == K_PUB || c->kind == K_OBS || opt.threads == 0)
                   ? &workers[0]
                   : &workers[1 + nrx++ % opt.threads];
        if (c->kind != K_OBS) c->w->conn_ids[c->w->nconn++] = i;
    }
    if (chat) last_seq = calloc((size_t)opt.subs * (size_t)opt.pubs, sizeof *last_seq);

    lws_set_log_level(LLL_ERR, NULL);
    for (int i = 0; i < nworkers; i++) {
        struct lws_context_creation_info info;
        memset(&info, 0, sizeof info);
        info.port = CONTEXT_PORT_NO_LISTEN;
        info.protocols = protocols;
        /* No fd_limit_per_thread: with it lws 4.1 finds the socket of every
         * event by a linear scan of its table (wsi_from_fd's "slow fds"
         * path), ~9 % of the generator's CPU at 1000 sockets; without it the
         * table is indexed by fd, sized by the raised ulimit -n. */
        void *loops[1];
        if (opt.evlib_ev) {
            /* a loop of our own, so one turn of it is ours to run */
            workers[i].loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
            if (!workers[i].loop) die("ev_loop_new");
            loops[0] = workers[i].loop;
            info.options |= LWS_SERVER_OPTION_LIBEV;
            info.foreign_loops = loops;
        }
        workers[i].ctx = lws_create_context(&info);
        if (!workers[i].ctx) die("lws context");
    }
    for (int i = 1; i < nworkers; i++)
        if (pthread_create(&workers[i].thread, NULL, rx_main, &workers[i]) != 0) die("thread");

    pthread_t waker;
    if (pthread_create(&waker, NULL, waker_main, NULL) != 0) die("thread");
    long rss_before = rss_total();
    int64_t start = now_ns();
    if (pres) {
        /* observer first, so it is in place before the storm */
        connect_one(&conns[nconns - 1]);
        nconns--;
        serve_until(now_ns() + 3000000000LL, NULL);
        pres_start_ns = now_ns();
        start = pres_start_ns;
    }
    atomic_store(&connect_go, true);
    serve_until(start + 60000000000LL, all_open);
    double connect_s = (now_ns() - start) / 1e9;
    printf("mode=%s sockets=%d open=%d failed=%d connect_time=%.2fs threads=%d\n", opt.mode, nconns,
           atomic_load(&nopen), atomic_load(&nfailed), connect_s, opt.threads);

    if (chat) {
        serve_until(now_ns() + 500000000LL, NULL); /* let subscriptions settle */
        double cpu_begin = cpu_s();
        int64_t begin = now_ns();
        send_until_ns = begin + (int64_t)opt.duration * 1000000000LL;
        serve_until(send_until_ns, NULL);
        int64_t end_send = now_ns();
        double secs = (end_send - begin) / 1e9;
        uint64_t ok_msgs = sent > errors_rl + errors_other ? sent - errors_rl - errors_other : 0;
        drain_target = ok_msgs * (uint64_t)opt.subs;
        serve_until(end_send + 10000000000LL, drained); /* late frames still count */
        double cpu_used = cpu_s() - cpu_begin;
        stop_workers();
        uint64_t expected = drain_target;
        uint64_t unique = delivered - dups - reorders;
        printf("subs=%d pubs=%d rate=%.0f msg/s duration=%.1fs\n", opt.subs, opt.pubs, opt.rate,
               secs);
        printf("sent=%llu errors_rate_limited=%llu errors_other=%llu\n", (unsigned long long)sent,
               (unsigned long long)errors_rl, (unsigned long long)errors_other);
        /* lost = not delivered within 10 s after the last send */
        printf("delivered=%llu frames (%.0f frames/s) expected=%llu lost=%lld dup=%llu "
               "reorder=%llu\n",
               (unsigned long long)delivered, delivered / secs, (unsigned long long)expected,
               (long long)expected - (long long)unique, (unsigned long long)dups,
               (unsigned long long)reorders);
        printf("latency_ms p50=%.2f p99=%.2f max=%.2f\n", lat_percentile(0.50),
               lat_percentile(0.99), lat_max_ns / 1e6);
        /* the generator's own cost: CPU (user + system) from the first send
         * until the last frame arrived, per delivered frame */
        printf("loadgen_cpu=%.2fs per_frame_us=%.2f\n", cpu_used,
               delivered ? cpu_used * 1e6 / (double)delivered : 0.0);
    } else if (idle) {
        serve_until(now_ns() + 3000000000LL, NULL);
        long rss_after = rss_total();
        int n = atomic_load(&nopen);
        printf("rss_before_kib=%ld rss_after_kib=%ld per_socket_bytes=%.0f\n", rss_before,
               rss_after, n ? (rss_after - rss_before) * 1024.0 / n : 0.0);
        serve_until(now_ns() + (int64_t)opt.duration * 1000000000LL, NULL);
        printf("still_open=%d after %ds\n", atomic_load(&nopen), opt.duration);
    } else {
        serve_until(pres_start_ns + (int64_t)opt.duration * 1000000000LL, presence_done);
        if (pres_done_ns)
            printf("presence guests=%d users=%d converged_in=%.3fs (from first join)\n", opt.guests,
                   opt.users, (pres_done_ns - pres_start_ns) / 1e9);
        else
            printf("presence guests=%d users=%d NOT converged within %ds\n", opt.guests, opt.users,
                   opt.duration);
    }
    if (!atomic_load(&rx_stop)) stop_workers();
    atomic_store(&waker_stop, true);
    pthread_join(waker, NULL);
    /* the receiver threads are gone: their contexts are destroyed here */
    for (int i = 0; i < nworkers; i++) {
        lws_context_destroy(workers[i].ctx);
        if (workers[i].loop) ev_loop_destroy(workers[i].loop);
        free(workers[i].conn_ids);
        free(workers[i].lat_hist);
    }
    free(conns);
    free(cookies);
    free(last_seq);
    return 0;
}
