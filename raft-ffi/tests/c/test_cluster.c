/* The cluster scenario of issue 4: three nodes in one process elect a leader, replicate 1,000
 * entries, lose a follower behind a partition that drops its messages, compact the leader's
 * log, heal, and the follower catches up through a snapshot. Every node must apply the same
 * values in the same order. */
#include "test_util.h"
#include "cluster.h"

#define FIRST_BATCH 1000
#define PARTITIONED_BATCH 300

static bool all_applied(cluster *c, size_t want) {
    for (size_t i = 0; i < c->n; i++)
        if (c->apps[i].len != want) return false;
    return true;
}

static void test_three_node_partition_snapshot_catch_up(void) {
    cluster c;
    CHECK(cluster_init(&c, 3));

    /* Elect node 1. */
    CHECK_OK(raft_node_campaign(c.nodes[0]));
    CHECK(cluster_pump(&c, 50));
    CHECK(cluster_leader(&c) == 0);
    for (size_t i = 0; i < 3; i++) {
        raft_basic_status st;
        CHECK_OK(raft_node_basic_status(c.nodes[i], &st));
        CHECK(st.lead == 1);
        CHECK(st.id == i + 1);
        CHECK(st.term >= 1);
    }

    /* Replicate 1,000 entries, a few proposals per round. */
    uint64_t next = 1;
    while (next <= FIRST_BATCH) {
        for (int k = 0; k < 10 && next <= FIRST_BATCH; k++) CHECK(cluster_propose_value(&c, 0, next++));
        CHECK(cluster_pump(&c, 50));
    }
    CHECK(cluster_pump(&c, 100));
    CHECK(all_applied(&c, FIRST_BATCH));

    /* Partition node 3: everything to or from it is dropped. */
    c.isolated[2] = true;
    size_t dropped_before = c.dropped;
    while (next <= FIRST_BATCH + PARTITIONED_BATCH) {
        for (int k = 0; k < 10 && next <= FIRST_BATCH + PARTITIONED_BATCH; k++)
            CHECK(cluster_propose_value(&c, 0, next++));
        CHECK(cluster_pump(&c, 50));
    }
    CHECK(cluster_pump(&c, 100));
    CHECK(c.dropped > dropped_before);
    CHECK(c.apps[0].len == FIRST_BATCH + PARTITIONED_BATCH);
    CHECK(c.apps[1].len == FIRST_BATCH + PARTITIONED_BATCH);
    CHECK(c.apps[2].len == FIRST_BATCH);

    /* The leader snapshots its application state at its applied index and compacts. */
    raft_storage *leader_store = NULL;
    CHECK_OK(raft_node_storage(c.nodes[0], &leader_store));
    raft_basic_status lst;
    CHECK_OK(raft_node_basic_status(c.nodes[0], &lst));
    CHECK(lst.applied == c.apps[0].applied_index);
    size_t snap_len = c.apps[0].len * 8;
    uint8_t *snap_data = malloc(snap_len);
    CHECK(snap_data != NULL);
    for (size_t k = 0; k < c.apps[0].len; k++) encode_u64(c.apps[0].values[k], snap_data + 8 * k);
    raft_conf_state cs;
    CHECK_OK(raft_node_conf_state(c.nodes[0], &cs));
    CHECK(cs.voters_len == 3);
    raft_status s = raft_storage_create_snapshot(leader_store, lst.applied, &cs, snap_data, snap_len);
    free(snap_data);
    CHECK_OK(s);
    CHECK_OK(raft_storage_compact(leader_store, lst.applied));
    uint64_t first = 0;
    CHECK_OK(raft_storage_first_index(leader_store, &first));
    CHECK(first == lst.applied + 1);

    /* Heal. Heartbeats make the leader notice node 3 is behind its compacted log. */
    c.isolated[2] = false;
    for (int round = 0; round < 200 && !all_applied(&c, FIRST_BATCH + PARTITIONED_BATCH); round++) {
        CHECK_OK(raft_node_tick(c.nodes[0]));
        CHECK(cluster_pump(&c, 50));
    }
    CHECK(c.snapshots_sent >= 1);
    CHECK(c.apps[2].snapshots_restored >= 1);
    CHECK(all_applied(&c, FIRST_BATCH + PARTITIONED_BATCH));

    /* Replication goes on normally afterwards. */
    for (int k = 0; k < 20; k++) CHECK(cluster_propose_value(&c, 0, next++));
    CHECK(cluster_pump(&c, 100));
    size_t total = FIRST_BATCH + PARTITIONED_BATCH + 20;
    CHECK(all_applied(&c, total));

    /* Same values, same order, on every node: 1, 2, 3, ... */
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 0; k < total; k++) CHECK(c.apps[i].values[k] == k + 1);

    /* Node 3's log now starts after the snapshot it installed. */
    raft_storage *f_store = NULL;
    CHECK_OK(raft_node_storage(c.nodes[2], &f_store));
    raft_snapshot_view fsnap;
    CHECK_OK(raft_storage_snapshot(f_store, &fsnap));
    CHECK(fsnap.index == lst.applied);
    CHECK(fsnap.conf_state.voters_len == 3);
    CHECK(c.error == NULL);
    cluster_free(&c);
}

int main(void) {
    RUN(test_three_node_partition_snapshot_catch_up);
    return finish();
}
