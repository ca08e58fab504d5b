/* Batched frame writes of one WebSocket shard: the fan-out of a room frame
 * queues one io_uring send per socket and submits them with one system call.
 *
 * Why: a fan-out is one small send per socket, and on a loopback or virtual
 * machine the cost of each send(2) is mostly entering and leaving the kernel
 * and being preempted by the reader it woke; submitted together, the same
 * sends cost ~40 % less CPU (docs/benchmarks.md, Fan-out).
 *
 * Every send carries MSG_DONTWAIT, so io_uring completes it inline during
 * the submit (REQ_F_NOWAIT: a full socket buffer answers -EAGAIN instead of
 * arming a poll), and the batch is reaped before the service thread does
 * anything else: no write is ever in flight while lws runs. A short or
 * refused send hands the rest of the frame to lws (LWS_WRITE_RAW), which
 * keeps it and writes it before anything else on that socket.
 *
 * Only sockets with nothing queued and no partial write pending in lws get
 * here (ws_fanout.c), and the frame header is the one lws would write: a
 * WebSocket server frame is unmasked, so it depends only on the length.
 *
 * Where io_uring is not available (containers' default seccomp profiles
 * refuse it, as does kernel.io_uring_disabled), ws_uring_new() says so once
 * and the shard writes each frame with lws_write().
 *
 * Everything here runs on the shard's service thread. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <liburing.h>

#include "echo/log.h"
#include "ws.h"

#define WS_URING_ENTRIES 512

typedef struct {
    ws_conn_t *conn;
    ws_frame_t *frame;
} ws_uring_slot_t;

struct ws_uring {
    struct io_uring ring;
    unsigned pending; /* SQEs prepared since the last flush */
    ws_uring_slot_t slots[WS_URING_ENTRIES];
};

ws_uring_t *ws_uring_new(int shard)
{
    ws_uring_t *u = calloc(1, sizeof *u);
    if (!u) return NULL;
    /* SUBMIT_ALL: one bad socket does not stop the rest of the batch;
     * COOP_TASKRUN: no interrupt of this thread for completions it reaps
     * itself right away. */
    int rc = io_uring_queue_init(WS_URING_ENTRIES, &u->ring,
                                 IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN);
    if (rc == -EINVAL) rc = io_uring_queue_init(WS_URING_ENTRIES, &u->ring, 0);
    if (rc < 0) {
        if (shard == 0)
            log_info("ws: io_uring unavailable (%s); frames are written one send(2) each",
                     strerror(-rc));
        free(u);
        return NULL;
    }
    return u;
}

void ws_uring_free(ws_uring_t *u)
{
    if (!u) return;
    io_uring_queue_exit(&u->ring);
    free(u);
}

/* The header lws_write() would put in front of a text frame, written into
 * the frame's headroom; returns the start of header + payload. */
static const unsigned char *ws_frame_wire(ws_frame_t *f, size_t *wire_len)
{
    unsigned char *p = f->buf + LWS_PRE;
    size_t hlen;
    if (f->len < 126) {
        hlen = 2;
        p[-1] = (unsigned char)f->len;
    } else if (f->len < 65536) {
        hlen = 4;
        p[-3] = 126;
        p[-2] = (unsigned char)(f->len >> 8);
        p[-1] = (unsigned char)f->len;
    } else {
        hlen = 10;
        p[-9] = 127;
        for (int i = 0; i < 8; i++)
            p[-1 - i] = (unsigned char)((uint64_t)f->len >> (8 * i));
    }
    p[-(int)hlen] = 0x81; /* FIN + text */
    *wire_len = hlen + f->len;
    return p - hlen;
}

/* One send's outcome; the rest of a short write goes to lws. */
static void ws_uring_complete(ws_uring_t *u, unsigned slot, int res)
{
    ws_conn_t *c = u->slots[slot].conn;
    ws_frame_t *f = u->slots[slot].frame;
    size_t len;
    const unsigned char *wire = ws_frame_wire(f, &len);
    bool whole = res == (int)len, ok = whole;
    if (!whole && (res >= 0 || res == -EAGAIN)) {
        size_t done = res > 0 ? (size_t)res : 0;
        /* lws_write wants a writable buffer; lws copies what it cannot send. */
        ok = lws_write(c->wsi, (unsigned char *)wire + done, len - done, LWS_WRITE_RAW) >=
             (int)(len - done);
    }
    if (ok) {
        metric_inc(c->srv->m_frames_out);
        if (!whole) metric_inc(c->srv->m_short_writes);
    } else {
        ws_conn_kill(c);
    }
    ws_frame_unref(f);
    u->slots[slot] = (ws_uring_slot_t){0};
}

int ws_uring_flush(ws_uring_t *u)
{
    if (!u->pending) return 0;
    unsigned pending = u->pending;
    u->pending = 0;
    int submitted = io_uring_submit(&u->ring);
    unsigned settled = 0;
    /* With MSG_DONTWAIT every submitted send has completed by now; the wait
     * only guards that promise. */
    while ((int)settled < submitted) {
        struct io_uring_cqe *cqe;
        int rc;
        while ((rc = io_uring_wait_cqe(&u->ring, &cqe)) == -EINTR)
            ;
        if (rc < 0) break;
        ws_uring_complete(u, (unsigned)io_uring_cqe_get_data64(cqe), cqe->res);
        io_uring_cqe_seen(&u->ring, cqe);
        settled++;
    }
    if (settled == pending) return 0;
    /* Sends not submitted (out of kernel memory, say) or not settled: the
     * ring is given up, and since a frame may or may not have gone out,
     * those sockets are closed 1012 and resync with ?after= (P8) rather than
     * lose or repeat a frame. */
    log_error("ws: io_uring settled %u of %u sends; back to one send(2) per frame", settled,
              pending);
    for (unsigned slot = 0; slot < pending; slot++) {
        if (!u->slots[slot].conn) continue;
        ws_conn_t *c = u->slots[slot].conn;
        ws_frame_unref(u->slots[slot].frame);
        u->slots[slot] = (ws_uring_slot_t){0};
        ws_conn_close(c, WS_CLOSE_RESYNC);
    }
    return -1;
}

int ws_uring_send(ws_uring_t *u, ws_conn_t *c, ws_frame_t *f)
{
    if (u->pending == WS_URING_ENTRIES && ws_uring_flush(u) != 0) return -1;
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    unsigned slot = u->pending++;
    size_t len;
    const unsigned char *wire = ws_frame_wire(f, &len);
    io_uring_prep_send(sqe, lws_get_socket_fd(c->wsi), wire, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, slot);
    ws_frame_ref(f);
    u->slots[slot] = (ws_uring_slot_t){.conn = c, .frame = f};
    return 0;
}
