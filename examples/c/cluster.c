/* A three-node Raft cluster in one process, driven through libraft's C API.
 *
 * Each node is a raft_node; "the network" is an array of encoded messages. The program elects
 * a leader, replicates a few commands, and prints what each node applied. It shows the whole
 * host loop: tick/step/propose, then for every Ready: persist, send, apply, advance.
 *
 * Build: cc -std=c11 cluster.c $(pkg-config --cflags --libs raft-core) -o cluster */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raft.h"

#define NODES 3
#define MAX_QUEUED 256

struct msg {
    uint64_t to;
    size_t len;
    uint8_t *data;
};

static raft_node *nodes[NODES];
static struct msg queue[MAX_QUEUED];
static size_t queued;
static int applied_count[NODES];

static int fail(const char *what, raft_status s, const raft_node *node) {
    fprintf(stderr, "%s failed: %s (%s)\n", what, raft_status_str(s),
            node ? raft_node_last_error(node) : "");
    return 1;
}

#define TRY(what, expr, node)                          \
    do {                                               \
        raft_status s_ = (expr);                       \
        if (s_ != RAFT_STATUS_OK) return fail(what, s_, node); \
    } while (0)

/* Persist, send, apply, advance: one Ready of node i. */
static int handle_ready(int i) {
    raft_node *node = nodes[i];
    raft_storage *storage = NULL;
    raft_ready *rd = NULL;
    TRY("storage", raft_node_storage(node, &storage), node);
    TRY("ready", raft_node_ready(node, &rd), node);

    /* 1. Persist entries and hard state (here: into the node's own memory storage). */
    raft_status s = raft_storage_persist_ready(storage, rd);
    /* 2. Send messages: copy them into the in-process "network". */
    size_t n = 0;
    if (s == RAFT_STATUS_OK) s = raft_ready_messages_len(rd, &n);
    for (size_t k = 0; s == RAFT_STATUS_OK && k < n; k++) {
        raft_message m;
        s = raft_ready_message(rd, k, &m);
        if (s != RAFT_STATUS_OK || queued == MAX_QUEUED) break;
        queue[queued].to = m.to;
        queue[queued].len = m.data_len;
        queue[queued].data = malloc(m.data_len);
        if (queue[queued].data == NULL) abort();
        memcpy(queue[queued].data, m.data, m.data_len);
        queued++;
    }
    /* 3. Apply committed entries. */
    if (s == RAFT_STATUS_OK) s = raft_ready_committed_entries_len(rd, &n);
    for (size_t k = 0; s == RAFT_STATUS_OK && k < n; k++) {
        raft_entry e;
        s = raft_ready_committed_entry(rd, k, &e);
        if (s != RAFT_STATUS_OK) break;
        if (e.entry_type == RAFT_ENTRY_TYPE_NORMAL && e.data_len > 0) {
            printf("node %d applies entry %llu: %.*s\n", i + 1, (unsigned long long)e.index,
                   (int)e.data_len, (const char *)e.data);
            applied_count[i]++;
        } else if (e.entry_type != RAFT_ENTRY_TYPE_NORMAL) {
            s = raft_node_apply_conf_change(node, e.entry_type, e.data, e.data_len);
        }
    }
    /* 4. Tell the node the Ready is done. */
    if (s == RAFT_STATUS_OK) s = raft_node_advance(node, rd);
    raft_ready_free(rd);
    if (s != RAFT_STATUS_OK) return fail("handling a ready", s, node);
    return 0;
}

/* Handle Readies and deliver messages until nothing moves. */
static int run_until_quiet(void) {
    for (int round = 0; round < 100; round++) {
        bool busy = queued > 0;
        for (int i = 0; i < NODES; i++) {
            bool has = false;
            TRY("has_ready", raft_node_has_ready(nodes[i], &has), nodes[i]);
            if (has) {
                busy = true;
                if (handle_ready(i) != 0) return 1;
            }
        }
        size_t n = queued;
        struct msg batch[MAX_QUEUED];
        memcpy(batch, queue, n * sizeof(struct msg));
        queued = 0;
        int rc = 0;
        for (size_t k = 0; k < n; k++) {
            raft_node *to = nodes[batch[k].to - 1];
            raft_status s = raft_node_step(to, batch[k].data, batch[k].len);
            if (s != RAFT_STATUS_OK && rc == 0) rc = fail("step", s, to);
            free(batch[k].data);
        }
        if (rc != 0) return rc;
        if (!busy) return 0;
    }
    return 0;
}

int main(void) {
    if (raft_version_number() != RAFT_VERSION_NUMBER) {
        fprintf(stderr, "raft.h (%s) does not match libraft (%s)\n", RAFT_VERSION_STRING, raft_version());
        return 1;
    }
    uint64_t voters[NODES] = {1, 2, 3};
    for (int i = 0; i < NODES; i++) {
        raft_config *cfg = NULL;
        TRY("config", raft_config_new((uint64_t)i + 1, &cfg), NULL);
        raft_status s = raft_config_set_seed(cfg, (uint64_t)i + 1);
        if (s == RAFT_STATUS_OK) s = raft_node_new(cfg, voters, NODES, &nodes[i]);
        raft_config_free(cfg);
        if (s != RAFT_STATUS_OK) return fail("node_new", s, NULL);
    }

    /* No leader yet: tick until someone's election timeout fires. */
    int leader = -1;
    for (int t = 0; t < 100 && leader < 0; t++) {
        for (int i = 0; i < NODES; i++) TRY("tick", raft_node_tick(nodes[i]), nodes[i]);
        if (run_until_quiet() != 0) return 1;
        for (int i = 0; i < NODES; i++) {
            raft_basic_status st;
            TRY("status", raft_node_basic_status(nodes[i], &st), nodes[i]);
            if (st.role == RAFT_ROLE_LEADER) leader = i;
        }
    }
    if (leader < 0) {
        fprintf(stderr, "no leader elected\n");
        return 1;
    }
    printf("node %d is the leader\n", leader + 1);

    const char *commands[] = {"set x = 1", "set y = 2", "del x"};
    for (size_t k = 0; k < 3; k++) {
        TRY("propose", raft_node_propose(nodes[leader], (const uint8_t *)commands[k], strlen(commands[k])),
            nodes[leader]);
        if (run_until_quiet() != 0) return 1;
    }

    int rc = 0;
    for (int i = 0; i < NODES; i++) {
        raft_basic_status st;
        TRY("status", raft_node_basic_status(nodes[i], &st), nodes[i]);
        printf("node %d: term %llu, commit %llu, applied %d commands\n", i + 1,
               (unsigned long long)st.term, (unsigned long long)st.commit, applied_count[i]);
        if (applied_count[i] != 3) rc = 1;
        raft_node_free(nodes[i]);
    }
    printf(rc == 0 ? "all nodes applied the same 3 commands\n" : "nodes disagree\n");
    return rc;
}
