/* An in-process cluster for the C tests: nodes, a message queue with per-node partitions, and a
 * toy application whose state is the list of 64-bit values it applied. The snapshot of that
 * application is the list itself, so a node restored from a snapshot must end up with exactly
 * the same list as the nodes that applied every entry. */
#ifndef RAFT_TEST_CLUSTER_H
#define RAFT_TEST_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raft.h"

#define CLUSTER_MAX 5

typedef struct {
    uint64_t to;
    uint64_t from;
    int32_t type;
    uint8_t *data;
    size_t len;
} queued_msg;

typedef struct {
    uint64_t *values;   /* applied application values, in order */
    size_t len;
    size_t cap;
    uint64_t applied_index;
    size_t snapshots_restored;
    /* Reads answered to this node (raft_ready_read_state): how many, and the last one. */
    size_t reads_answered;
    uint64_t last_read_index;
    char last_read_ctx[32];
} app_state;

typedef struct {
    size_t n;
    raft_node *nodes[CLUSTER_MAX];
    app_state apps[CLUSTER_MAX];
    bool isolated[CLUSTER_MAX];
    queued_msg *queue;
    size_t queue_len;
    size_t queue_cap;
    size_t dropped;
    size_t snapshots_sent;
    const char *error; /* first failure, or NULL */
} cluster;

#define CLUSTER_FAIL(c, msg)              \
    do {                                  \
        if ((c)->error == NULL) {         \
            (c)->error = (msg);           \
            fprintf(stderr, "cluster: %s\n", msg); \
        }                                 \
        return false;                     \
    } while (0)

static void app_push(app_state *a, uint64_t v) {
    if (a->len == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->values = realloc(a->values, a->cap * sizeof(uint64_t));
        if (a->values == NULL) abort();
    }
    a->values[a->len++] = v;
}

static uint64_t decode_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static void encode_u64(uint64_t v, uint8_t *p) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static bool cluster_init(cluster *c, size_t n) {
    memset(c, 0, sizeof(*c));
    c->n = n;
    uint64_t voters[CLUSTER_MAX];
    for (size_t i = 0; i < n; i++) voters[i] = i + 1;
    for (size_t i = 0; i < n; i++) {
        raft_config *cfg = NULL;
        if (raft_config_new(i + 1, &cfg) != RAFT_STATUS_OK) CLUSTER_FAIL(c, "config_new");
        bool ok = raft_config_set_election_tick(cfg, 10) == RAFT_STATUS_OK &&
                  raft_config_set_heartbeat_tick(cfg, 1) == RAFT_STATUS_OK &&
                  raft_config_set_seed(cfg, 42 + i) == RAFT_STATUS_OK &&
                  raft_config_set_max_size_per_msg(cfg, 64 * 1024) == RAFT_STATUS_OK &&
                  raft_node_new(cfg, voters, n, &c->nodes[i]) == RAFT_STATUS_OK;
        raft_config_free(cfg);
        if (!ok) CLUSTER_FAIL(c, "node_new");
    }
    return true;
}

static void cluster_free(cluster *c) {
    for (size_t i = 0; i < c->n; i++) {
        raft_node_free(c->nodes[i]);
        free(c->apps[i].values);
    }
    for (size_t i = 0; i < c->queue_len; i++) free(c->queue[i].data);
    free(c->queue);
    memset(c, 0, sizeof(*c));
}

static bool cluster_enqueue(cluster *c, uint64_t from, const raft_message *m) {
    if (c->isolated[from - 1] || m->to == 0 || m->to > c->n || c->isolated[m->to - 1]) {
        c->dropped++;
        /* A real transport notices the failure; tell the sender so it stops streaming. */
        if (raft_node_report_unreachable(c->nodes[from - 1], m->to) != RAFT_STATUS_OK)
            CLUSTER_FAIL(c, "report_unreachable");
        return true;
    }
    if (c->queue_len == c->queue_cap) {
        c->queue_cap = c->queue_cap ? c->queue_cap * 2 : 64;
        c->queue = realloc(c->queue, c->queue_cap * sizeof(queued_msg));
        if (c->queue == NULL) abort();
    }
    queued_msg *q = &c->queue[c->queue_len++];
    q->to = m->to;
    q->from = from;
    q->type = m->msg_type;
    q->len = m->data_len;
    q->data = malloc(m->data_len ? m->data_len : 1);
    if (q->data == NULL) abort();
    memcpy(q->data, m->data, m->data_len);
    return true;
}

/* Applies one committed entry to node `i`'s application. */
static bool cluster_apply(cluster *c, size_t i, const raft_entry *e) {
    app_state *a = &c->apps[i];
    if (e->index <= a->applied_index) return true; /* already covered by a snapshot */
    if (e->entry_type == RAFT_ENTRY_TYPE_NORMAL) {
        if (e->data_len == 8) app_push(a, decode_u64(e->data));
        else if (e->data_len != 0) CLUSTER_FAIL(c, "unexpected payload size");
    } else {
        if (raft_node_apply_conf_change(c->nodes[i], e->entry_type, e->data, e->data_len) !=
            RAFT_STATUS_OK)
            CLUSTER_FAIL(c, "apply_conf_change");
    }
    a->applied_index = e->index;
    return true;
}

/* Handles one Ready of node `i` the way a host must: persist, send, apply, advance. */
static bool cluster_handle_ready(cluster *c, size_t i) {
    raft_node *node = c->nodes[i];
    raft_storage *st = NULL;
    raft_ready *rd = NULL;
    if (raft_node_storage(node, &st) != RAFT_STATUS_OK) CLUSTER_FAIL(c, "node_storage");
    if (raft_node_ready(node, &rd) != RAFT_STATUS_OK) CLUSTER_FAIL(c, "node_ready");

    bool ok = false;
    /* 1. persist: snapshot, entries, hard state. */
    if (raft_storage_persist_ready(st, rd) != RAFT_STATUS_OK) goto out;
    raft_snapshot_view snap;
    bool has_snap = false;
    if (raft_ready_snapshot(rd, &snap, &has_snap) != RAFT_STATUS_OK) goto out;
    if (has_snap) {
        /* The application restores its state from the snapshot data. */
        app_state *a = &c->apps[i];
        if (snap.data_len % 8 != 0) goto out;
        a->len = 0;
        for (size_t k = 0; k < snap.data_len / 8; k++) app_push(a, decode_u64(snap.data + 8 * k));
        a->applied_index = snap.index;
        a->snapshots_restored++;
    }
    /* Answered reads: a real host would serve them once it has applied last_read_index. */
    size_t n_reads = 0;
    if (raft_ready_read_states_len(rd, &n_reads) != RAFT_STATUS_OK) goto out;
    for (size_t k = 0; k < n_reads; k++) {
        raft_read_state rs;
        if (raft_ready_read_state(rd, k, &rs) != RAFT_STATUS_OK) goto out;
        app_state *a = &c->apps[i];
        a->reads_answered++;
        a->last_read_index = rs.index;
        size_t len = rs.request_ctx_len < sizeof a->last_read_ctx - 1 ? rs.request_ctx_len
                                                                      : sizeof a->last_read_ctx - 1;
        memcpy(a->last_read_ctx, rs.request_ctx, len);
        a->last_read_ctx[len] = '\0';
    }
    /* 2. send. */
    size_t n_msgs = 0;
    if (raft_ready_messages_len(rd, &n_msgs) != RAFT_STATUS_OK) goto out;
    for (size_t k = 0; k < n_msgs; k++) {
        raft_message m;
        if (raft_ready_message(rd, k, &m) != RAFT_STATUS_OK) goto out;
        if (m.msg_type == 7 /* MsgSnap */) c->snapshots_sent++;
        if (!cluster_enqueue(c, i + 1, &m)) goto out;
    }
    /* 3. apply. */
    size_t n_committed = 0;
    if (raft_ready_committed_entries_len(rd, &n_committed) != RAFT_STATUS_OK) goto out;
    for (size_t k = 0; k < n_committed; k++) {
        raft_entry e;
        if (raft_ready_committed_entry(rd, k, &e) != RAFT_STATUS_OK) goto out;
        if (!cluster_apply(c, i, &e)) goto out;
    }
    /* 4. advance. */
    if (raft_node_advance(node, rd) != RAFT_STATUS_OK) goto out;
    ok = true;
out:
    raft_ready_free(rd);
    if (!ok) CLUSTER_FAIL(c, raft_node_last_error(node)[0] ? raft_node_last_error(node) : "ready handling");
    return true;
}

/* Runs Ready handling and message delivery until the cluster is quiet (or `max_rounds`). */
static bool cluster_pump(cluster *c, int max_rounds) {
    for (int round = 0; round < max_rounds; round++) {
        bool busy = false;
        for (size_t i = 0; i < c->n; i++) {
            bool has = false;
            if (raft_node_has_ready(c->nodes[i], &has) != RAFT_STATUS_OK) CLUSTER_FAIL(c, "has_ready");
            if (has) {
                busy = true;
                if (!cluster_handle_ready(c, i)) return false;
            }
        }
        if (c->queue_len > 0) busy = true;
        /* Deliver everything queued so far (new messages go to the next round). */
        size_t n = c->queue_len;
        queued_msg *batch = c->queue;
        c->queue = NULL;
        c->queue_len = c->queue_cap = 0;
        for (size_t k = 0; k < n; k++) {
            queued_msg *q = &batch[k];
            if (c->isolated[q->to - 1] || c->isolated[q->from - 1]) {
                c->dropped++;
            } else {
                raft_status s = raft_node_step(c->nodes[q->to - 1], q->data, q->len);
                if (s != RAFT_STATUS_OK && s != RAFT_STATUS_STEP_PEER_NOT_FOUND &&
                    s != RAFT_STATUS_PROPOSAL_DROPPED) {
                    fprintf(stderr, "step into %llu failed: %s\n", (unsigned long long)q->to,
                            raft_node_last_error(c->nodes[q->to - 1]));
                    for (size_t r = k; r < n; r++) free(batch[r].data);
                    free(batch);
                    CLUSTER_FAIL(c, "step");
                }
                if (q->type == 7 /* MsgSnap */ &&
                    raft_node_report_snapshot(c->nodes[q->from - 1], q->to,
                                              RAFT_SNAPSHOT_STATUS_FINISH) != RAFT_STATUS_OK) {
                    CLUSTER_FAIL(c, "report_snapshot");
                }
            }
            free(q->data);
        }
        free(batch);
        if (!busy) return true;
    }
    return true;
}

static int cluster_leader(cluster *c) {
    for (size_t i = 0; i < c->n; i++) {
        raft_basic_status st;
        if (raft_node_basic_status(c->nodes[i], &st) != RAFT_STATUS_OK) return -1;
        if (st.role == RAFT_ROLE_LEADER) return (int)i;
    }
    return -1;
}

static bool cluster_propose_value(cluster *c, size_t leader, uint64_t v) {
    uint8_t buf[8];
    encode_u64(v, buf);
    if (raft_node_propose(c->nodes[leader], buf, sizeof buf) != RAFT_STATUS_OK)
        CLUSTER_FAIL(c, "propose");
    return true;
}

#endif /* RAFT_TEST_CLUSTER_H */
