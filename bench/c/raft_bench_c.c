/* raft-bench-c: issue 7's W4 row for the C ABI. Runs W1 or W2 (bench/README.md) with every node
 * driven through libraft.so exactly as a real C host drives it: messages leave a Ready as encoded
 * bytes, are copied into the host's own "network" buffer, and arrive through raft_node_step;
 * entries and hard state are persisted with raft_storage_persist_ready into the node's storage;
 * committed entries are read through the Ready accessors and checked.
 *
 *   raft-bench-c --workload w1|w2 [--voters N] [--batch B] [--n N] [--max-msg-bytes N]
 *                [--impl raft-core-c|raft-core-c-batch] [--inject-fault]
 *
 * The host loop is a step-for-step copy of bench/src/workload.rs (same config, same rounds,
 * same stall rule, same checks), so its figure divided by raft-core's is the cost of the C
 * front door. Prints the same RESULT lines as raft-bench with impl=raft-core-c; exits 0 only
 * when every node applied exactly proposals 0, 1, 2, ... in order, byte for byte.
 *
 * Not reported: peak_heap (the library's allocations are not visible to a C host without
 * interposing malloc, and the Rust figure counts only Rust heap; the two would not compare). */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "raft.h"

/* "raft-core-c", or "raft-core-c-batch" for the same with raft_config_set_batch_append. */
static const char *g_impl = "raft-core-c";
static bool g_batch_append = false;
#define ENTRY_BYTES 128
#define TAIL_BYTES (ENTRY_BYTES - 8)

/* ---- errors: one message, reported once in the RESULT line ---- */

static char g_err[512];

static int failf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_err, sizeof g_err, fmt, ap);
    va_end(ap);
    return -1;
}

/* Turns a failed library call into the error message, with the handle's own explanation. */
static int fail_call(const char *what, raft_status s, const raft_node *node) {
    return failf("%s: %s (%s)", what, raft_status_str(s), node ? raft_node_last_error(node) : "");
}

#define TRY(what, expr, node)                                      \
    do {                                                           \
        raft_status s_ = (expr);                                   \
        if (s_ != RAFT_STATUS_OK) return fail_call(what, s_, node); \
    } while (0)

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n);
    if (q == NULL) {
        fputs("raft-bench-c: out of memory\n", stderr);
        abort();
    }
    return q;
}

/* ---- payloads and the checker (same bytes as workload.rs) ---- */

/* Proposal `seq` is seq (8 bytes, little endian) followed by FILL[seq % 64 ..][..120]. */
static uint8_t FILL[184];

static void fill_init(void) {
    for (int i = 0; i < 184; i++) FILL[i] = (uint8_t)((uint8_t)(i * 37) + 11);
}

static void put_le64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* --inject-fault: proposal FAULT_SEQ carries the next proposal's payload, so the run must fail
 * its check (bench-smoke uses it to prove the check can fail). */
static uint64_t g_fault_seq = UINT64_MAX;

static void payload(uint64_t seq, uint8_t out[ENTRY_BYTES]) {
    if (seq == g_fault_seq) seq++;
    put_le64(out, seq);
    memcpy(out + 8, FILL + seq % 64, TAIL_BYTES);
}

struct checker {
    uint64_t next;
    bool bad;
    char why[160];
};

static void check_apply(struct checker *c, const uint8_t *data, size_t len) {
    if (c->bad) return;
    uint64_t seq = c->next;
    uint8_t want[8];
    put_le64(want, seq);
    if (len == ENTRY_BYTES && memcmp(data, want, 8) == 0 &&
        memcmp(data + 8, FILL + seq % 64, TAIL_BYTES) == 0) {
        c->next++;
        return;
    }
    c->bad = true;
    snprintf(c->why, sizeof c->why, "applied entry #%" PRIu64 " is not proposal %" PRIu64 " (len %zu)",
             seq, seq, len);
}

static int check_verdict(const struct checker *c, uint64_t want, int node_id) {
    if (c->bad) return failf("node %d: %s", node_id, c->why);
    if (c->next != want)
        return failf("node %d: applied %" PRIu64 " proposals, want %" PRIu64, node_id, c->next, want);
    return 0;
}

/* ---- the in-process network: encoded messages copied out of the Readys ---- */

struct mref {
    uint64_t to;
    size_t off, len;
};

struct outbox {
    uint8_t *buf;
    size_t used, cap;
    struct mref *refs;
    size_t n, ncap;
};

static void outbox_push(struct outbox *o, uint64_t to, const uint8_t *data, size_t len) {
    if (o->used + len > o->cap) {
        size_t cap = o->cap ? o->cap : 1 << 16;
        while (cap < o->used + len) cap *= 2;
        o->buf = xrealloc(o->buf, cap);
        o->cap = cap;
    }
    if (o->n == o->ncap) {
        o->ncap = o->ncap ? o->ncap * 2 : 256;
        o->refs = xrealloc(o->refs, o->ncap * sizeof *o->refs);
    }
    if (len) memcpy(o->buf + o->used, data, len);
    o->refs[o->n++] = (struct mref){to, o->used, len};
    o->used += len;
}

static void outbox_clear(struct outbox *o) {
    o->used = 0;
    o->n = 0;
}

static void outbox_free(struct outbox *o) {
    free(o->buf);
    free(o->refs);
}

/* ---- a node as the host holds it ---- */

struct host_node {
    raft_node *node;
    raft_storage *storage; /* the node's own storage view */
};

struct counters {
    uint64_t readies, msgs, rounds;
};

struct limits {
    uint64_t max_msg_bytes;
};

static int node_new(struct host_node *h, uint64_t id, const uint64_t *voters, size_t nvoters,
                    const struct limits *l) {
    raft_config *cfg = NULL;
    TRY("raft_config_new", raft_config_new(id, &cfg), NULL);
    raft_status s = raft_config_set_election_tick(cfg, 10);
    if (s == RAFT_STATUS_OK) s = raft_config_set_heartbeat_tick(cfg, 1);
    if (s == RAFT_STATUS_OK) s = raft_config_set_max_size_per_msg(cfg, l->max_msg_bytes);
    if (s == RAFT_STATUS_OK) s = raft_config_set_max_inflight_msgs(cfg, 256);
    if (s == RAFT_STATUS_OK) s = raft_config_set_pre_vote(cfg, false);
    if (s == RAFT_STATUS_OK) s = raft_config_set_check_quorum(cfg, false);
    if (s == RAFT_STATUS_OK) s = raft_config_set_batch_append(cfg, g_batch_append);
    if (s == RAFT_STATUS_OK) s = raft_node_new(cfg, voters, nvoters, &h->node);
    if (s != RAFT_STATUS_OK) {
        failf("creating node %" PRIu64 ": %s (%s)", id, raft_status_str(s), raft_config_last_error(cfg));
        raft_config_free(cfg);
        return -1;
    }
    raft_config_free(cfg);
    TRY("raft_node_storage", raft_node_storage(h->node, &h->storage), h->node);
    return 0;
}

static int has_ready(const struct host_node *h, bool *out) {
    TRY("raft_node_has_ready", raft_node_has_ready(h->node, out), h->node);
    return 0;
}

/* One Ready, handled completely: persist, send (copy the bytes out), apply, advance. */
static int handle_ready(struct host_node *h, struct outbox *out, struct checker *check) {
    raft_node *node = h->node;
    raft_ready *rd = NULL;
    TRY("raft_node_ready", raft_node_ready(node, &rd), node);
    const char *what = "raft_storage_persist_ready";
    /* 1. Persist: snapshot, entries, hard state into the node's storage. */
    raft_status s = raft_storage_persist_ready(h->storage, rd);
    /* 2. Send: each message's bytes into the network buffer. */
    size_t n = 0;
    if (s == RAFT_STATUS_OK) s = raft_ready_messages_len(rd, &n), what = "raft_ready_messages_len";
    for (size_t k = 0; s == RAFT_STATUS_OK && k < n; k++) {
        raft_message m;
        s = raft_ready_message(rd, k, &m), what = "raft_ready_message";
        if (s == RAFT_STATUS_OK) outbox_push(out, m.to, m.data, m.data_len);
    }
    /* 3. Apply committed normal entries through the checker. */
    if (s == RAFT_STATUS_OK) s = raft_ready_committed_entries_len(rd, &n), what = "raft_ready_committed_entries_len";
    for (size_t k = 0; s == RAFT_STATUS_OK && k < n; k++) {
        raft_entry e;
        s = raft_ready_committed_entry(rd, k, &e), what = "raft_ready_committed_entry";
        if (s == RAFT_STATUS_OK && e.entry_type == RAFT_ENTRY_TYPE_NORMAL && e.data_len > 0)
            check_apply(check, e.data, e.data_len);
    }
    /* 4. Advance. */
    if (s == RAFT_STATUS_OK) s = raft_node_advance(node, rd), what = "raft_node_advance";
    raft_ready_free(rd);
    if (s != RAFT_STATUS_OK) return fail_call(what, s, node);
    return 0;
}

static int ready_all(struct host_node *nodes, struct checker *checks, size_t nn, struct outbox *out,
                     struct counters *c) {
    for (size_t i = 0; i < nn; i++) {
        for (;;) {
            bool has = false;
            if (has_ready(&nodes[i], &has) != 0) return -1;
            if (!has) break;
            if (handle_ready(&nodes[i], out, &checks[i]) != 0) return -1;
            c->readies++;
        }
    }
    return 0;
}

/* Delivers every message of `box` as bytes to its destination, then empties it. */
static int deliver_all(struct host_node *nodes, size_t nn, struct outbox *box, struct counters *c) {
    for (size_t k = 0; k < box->n; k++) {
        const struct mref *r = &box->refs[k];
        if (r->to == 0 || r->to > nn) return failf("message to unknown node %" PRIu64, r->to);
        c->msgs++;
        raft_node *to = nodes[r->to - 1].node;
        TRY("raft_node_step", raft_node_step(to, box->buf + r->off, r->len), to);
    }
    outbox_clear(box);
    return 0;
}

static int is_leader(const struct host_node *h, bool *out) {
    raft_basic_status st;
    TRY("raft_node_basic_status", raft_node_basic_status(h->node, &st), h->node);
    *out = st.role == RAFT_ROLE_LEADER;
    return 0;
}

/* Node 1 campaigns; Readys and messages until nothing moves. Not timed. */
static int elect(struct host_node *nodes, struct checker *checks, size_t nn) {
    struct counters c = {0, 0, 0};
    struct outbox out = {0};
    int rc = -1;
    TRY("raft_node_campaign", raft_node_campaign(nodes[0].node), nodes[0].node);
    for (int i = 0; i < 10000; i++) {
        if (ready_all(nodes, checks, nn, &out, &c) != 0) goto done;
        if (out.n == 0) {
            bool lead = false;
            if (is_leader(&nodes[0], &lead) != 0) goto done;
            rc = lead ? 0 : failf("node 1 did not become leader");
            goto done;
        }
        if (deliver_all(nodes, nn, &out, &c) != 0) goto done;
    }
    failf("cluster did not settle");
done:
    outbox_free(&out);
    return rc;
}

static double now_secs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- W1 ---- */

static int w1(struct host_node *nodes, struct checker *checks, size_t nn, uint64_t n, uint64_t batch,
              double *secs, struct counters *c) {
    if (batch == 0) return failf("batch must be at least 1");
    if (elect(nodes, checks, nn) != 0) return -1;
    struct outbox out = {0}, inflight = {0};
    uint64_t proposed = 0;
    unsigned idle_rounds = 0;
    uint8_t buf[ENTRY_BYTES];
    int rc = -1;

    double start = now_secs();
    for (;;) {
        uint64_t k = n - proposed < batch ? n - proposed : batch;
        for (uint64_t seq = proposed; seq < proposed + k; seq++) {
            payload(seq, buf);
            raft_status s = raft_node_propose(nodes[0].node, buf, ENTRY_BYTES);
            if (s != RAFT_STATUS_OK) {
                fail_call("raft_node_propose", s, nodes[0].node);
                goto done;
            }
        }
        proposed += k;
        if (ready_all(nodes, checks, nn, &out, c) != 0) goto done;
        c->rounds++;
        if (out.n == 0) {
            bool all = proposed == n;
            for (size_t i = 0; i < nn; i++) all = all && checks[i].next >= n;
            if (all) break;
            for (size_t i = 0; i < nn; i++)
                if (checks[i].bad) {
                    check_verdict(&checks[i], checks[i].next, (int)i + 1);
                    goto done;
                }
            if (++idle_rounds > 1000) {
                failf("stalled: node 1 applied %" PRIu64 " of %" PRIu64, checks[0].next, n);
                goto done;
            }
            if (proposed == n) {
                raft_status s = raft_node_tick(nodes[0].node);
                if (s != RAFT_STATUS_OK) {
                    fail_call("raft_node_tick", s, nodes[0].node);
                    goto done;
                }
            }
            continue;
        }
        idle_rounds = 0;
        struct outbox t = out;
        out = inflight;
        inflight = t;
        if (deliver_all(nodes, nn, &inflight, c) != 0) goto done;
    }
    *secs = now_secs() - start;
    rc = 0;
    for (size_t i = 0; i < nn && rc == 0; i++) rc = check_verdict(&checks[i], n, (int)i + 1);
done:
    outbox_free(&out);
    outbox_free(&inflight);
    return rc;
}

/* ---- W2 ---- */

static int w2(struct host_node *node, struct checker *check, uint64_t n, double *secs,
              struct counters *c) {
    if (elect(node, check, 1) != 0) return -1;
    struct outbox out = {0};
    uint8_t buf[ENTRY_BYTES];
    int rc = -1;
    double start = now_secs();
    for (uint64_t seq = 0; seq < n; seq++) {
        payload(seq, buf);
        raft_status s = raft_node_propose(node->node, buf, ENTRY_BYTES);
        if (s != RAFT_STATUS_OK) {
            fail_call("raft_node_propose", s, node->node);
            goto done;
        }
        if (ready_all(node, check, 1, &out, c) != 0) goto done;
        /* A single voter sends nothing; anything here would be a bug in the setup. */
        if (out.n != 0) {
            failf("single voter produced messages");
            goto done;
        }
    }
    *secs = now_secs() - start;
    c->rounds = n;
    rc = check_verdict(check, n, 1);
done:
    outbox_free(&out);
    return rc;
}

/* ---- command line and RESULT lines ---- */

struct args {
    const char *workload;
    uint64_t voters, batch, n;
    bool have_n, inject_fault;
    struct limits limits;
};

static int parse_u64(const char *s, uint64_t *out) {
    char *end = NULL;
    if (s == NULL || *s == '\0' || *s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0') return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse(int argc, char **argv, struct args *a) {
    *a = (struct args){"", 3, 64, 0, false, false, {1u << 20}};
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        if (strcmp(flag, "--inject-fault") == 0) {
            a->inject_fault = true;
            continue;
        }
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (val == NULL) return failf("%s needs a value", flag);
        i++;
        int bad = 0;
        if (strcmp(flag, "--workload") == 0) a->workload = val;
        else if (strcmp(flag, "--impl") == 0) {
            if (strcmp(val, "raft-core-c-batch") == 0) {
                g_impl = "raft-core-c-batch";
                g_batch_append = true;
            } else {
                bad = strcmp(val, "raft-core-c") != 0;
            }
        }
        else if (strcmp(flag, "--voters") == 0) bad = parse_u64(val, &a->voters);
        else if (strcmp(flag, "--batch") == 0) bad = parse_u64(val, &a->batch);
        else if (strcmp(flag, "--n") == 0) bad = parse_u64(val, &a->n), a->have_n = true;
        else if (strcmp(flag, "--max-msg-bytes") == 0) bad = parse_u64(val, &a->limits.max_msg_bytes);
        else return failf("unknown argument %s", flag);
        if (bad) return failf("bad value for %s: %s", flag, val);
    }
    if (a->workload[0] == '\0') return failf("--workload is required");
    return 0;
}

static void print_failed(const char *workload) {
    for (char *p = g_err; *p; p++)
        if (*p == ' ' || *p == '\t' || *p == '\n') *p = '_';
    printf("RESULT workload=%s impl=%s status=FAILED reason=%s\n", workload, g_impl, g_err);
}

static int run(const struct args *a) {
    struct counters c = {0, 0, 0};
    double secs = 0;
    int rc = -1;
    if (strcmp(a->workload, "w1") == 0) {
        uint64_t n = a->have_n ? a->n : 200000;
        if (a->inject_fault) g_fault_seq = n / 2;
        if (a->voters == 0 || a->voters > 64) return failf("--voters must be 1..64");
        size_t nn = (size_t)a->voters;
        uint64_t ids[64];
        struct host_node nodes[64] = {{0}};
        struct checker checks[64] = {{0}};
        for (size_t i = 0; i < nn; i++) ids[i] = i + 1;
        size_t made = 0;
        for (; made < nn; made++)
            if (node_new(&nodes[made], ids[made], ids, nn, &a->limits) != 0) break;
        if (made == nn) rc = w1(nodes, checks, nn, n, a->batch, &secs, &c);
        for (size_t i = 0; i < made; i++) raft_node_free(nodes[i].node);
        if (rc != 0) return rc;
        printf("RESULT workload=w1 case=v%" PRIu64 ".b%" PRIu64 " metric=throughput impl=%s"
               " value=%.3f unit=entries/s status=ok n=%" PRIu64 " secs=%.4f rounds=%" PRIu64
               " readies=%" PRIu64 " msgs=%" PRIu64 "\n",
               a->voters, a->batch, g_impl, (double)n / secs, n, secs, c.rounds, c.readies, c.msgs);
        return 0;
    }
    if (strcmp(a->workload, "w2") == 0) {
        uint64_t n = a->have_n ? a->n : 500000;
        uint64_t one = 1;
        if (a->inject_fault) g_fault_seq = n / 2;
        struct host_node node = {0};
        struct checker check = {0};
        if (node_new(&node, 1, &one, 1, &a->limits) != 0) return -1;
        rc = w2(&node, &check, n, &secs, &c);
        raft_node_free(node.node);
        if (rc != 0) return rc;
        printf("RESULT workload=w2 case=v1 metric=throughput impl=%s"
               " value=%.3f unit=ops/s status=ok n=%" PRIu64 " secs=%.4f readies=%" PRIu64 "\n",
               g_impl, (double)n / secs, n, secs, c.readies);
        return 0;
    }
    return failf("unknown --workload %s (w1, w2; w3 is not run through the C ABI)", a->workload);
}

int main(int argc, char **argv) {
    if (raft_version_number() != RAFT_VERSION_NUMBER) {
        fprintf(stderr, "raft-bench-c: raft.h %s does not match libraft %s\n", RAFT_VERSION_STRING,
                raft_version());
        return 2;
    }
    fill_init();
    struct args a;
    if (parse(argc, argv, &a) != 0) {
        fprintf(stderr, "raft-bench-c: %s\n", g_err);
        return 2;
    }
    if (run(&a) != 0) {
        print_failed(a.workload);
        return 1;
    }
    return 0;
}
