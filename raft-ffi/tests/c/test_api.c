/* API contract tests: versions, status codes, NULL handling, bad input (one test per case of
 * issue 4 point 5), Ready ownership rules, storage, restart. */
#include "test_util.h"
#include "cluster.h"

_Static_assert(RAFT_VERSION_NUMBER ==
                   RAFT_VERSION_MAJOR * 1000000 + RAFT_VERSION_MINOR * 1000 + RAFT_VERSION_PATCH,
               "composite version macro");

/* The state of a node that a rejected call must leave alone. */
static bool same_status(const raft_basic_status *a, const raft_basic_status *b) {
    return a->id == b->id && a->term == b->term && a->vote == b->vote && a->lead == b->lead &&
           a->commit == b->commit && a->applied == b->applied && a->role == b->role;
}

/* A 3-node cluster with node 1 elected and a few entries committed. */
static bool elected(cluster *c) {
    if (!cluster_init(c, 3)) return false;
    if (raft_node_campaign(c->nodes[0]) != RAFT_STATUS_OK) return false;
    if (!cluster_pump(c, 50)) return false;
    for (uint64_t v = 1; v <= 3; v++)
        if (!cluster_propose_value(c, 0, v)) return false;
    return cluster_pump(c, 50) && cluster_leader(c) == 0;
}

/* Encoded message from node 1's next Ready addressed to `to` (copied into buf). */
static size_t next_message_to(cluster *c, uint64_t to, uint8_t *buf, size_t cap) {
    size_t len = 0;
    raft_ready *rd = NULL;
    if (raft_node_ready(c->nodes[0], &rd) != RAFT_STATUS_OK) return 0;
    size_t n = 0;
    if (raft_ready_messages_len(rd, &n) == RAFT_STATUS_OK) {
        for (size_t i = 0; i < n; i++) {
            raft_message m;
            if (raft_ready_message(rd, i, &m) == RAFT_STATUS_OK && m.to == to && m.data_len <= cap) {
                memcpy(buf, m.data, m.data_len);
                len = m.data_len;
                break;
            }
        }
    }
    raft_storage *st = NULL;
    if (raft_node_storage(c->nodes[0], &st) != RAFT_STATUS_OK ||
        raft_storage_persist_ready(st, rd) != RAFT_STATUS_OK ||
        raft_node_advance(c->nodes[0], rd) != RAFT_STATUS_OK)
        len = 0;
    raft_ready_free(rd);
    return len;
}

static void test_version_macros_match_library(void) {
    CHECK(raft_version_number() == RAFT_VERSION_NUMBER);
    CHECK(raft_version_number() / 1000000 == RAFT_VERSION_MAJOR);
    CHECK(strcmp(raft_version(), RAFT_VERSION_STRING) == 0);
}

static void test_status_codes_are_fixed_and_described(void) {
    /* The numbers are ABI: pin them. */
    CHECK(RAFT_STATUS_OK == 0);
    CHECK(RAFT_STATUS_NULL_ARGUMENT == 1);
    CHECK(RAFT_STATUS_PANIC == 2);
    CHECK(RAFT_STATUS_POISONED == 3);
    CHECK(RAFT_STATUS_DECODE == 6);
    CHECK(RAFT_STATUS_WRONG_RECIPIENT == 8);
    CHECK(RAFT_STATUS_READY_MISMATCH == 14);
    CHECK(RAFT_STATUS_READY_CONSUMED == 15);
    CHECK(RAFT_STATUS_STORAGE_COMPACTED == 20);
    CHECK(RAFT_STATUS_UNKNOWN_ERROR == 99);
    CHECK(strcmp(raft_status_str(RAFT_STATUS_OK), "ok") == 0);
    CHECK(strcmp(raft_status_str(123456), "unknown status code") == 0);
    CHECK(strcmp(raft_status_str(-1), "unknown status code") == 0);
    CHECK(strcmp(raft_status_str(RAFT_STATUS_DECODE), raft_status_str(RAFT_STATUS_PANIC)) != 0);
}

static void test_null_arguments_are_refused(void) {
    raft_config *cfg = NULL;
    CHECK_STATUS(raft_config_new(1, NULL), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_OK(raft_config_new(1, &cfg));
    raft_node *node = NULL;
    uint64_t voters[] = {1};
    CHECK_STATUS(raft_node_new(NULL, voters, 1, &node), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(raft_node_new(cfg, NULL, 1, &node), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(raft_node_new(cfg, voters, 1, NULL), RAFT_STATUS_NULL_ARGUMENT);
    CHECK(node == NULL);
    CHECK_OK(raft_node_new(cfg, voters, 1, &node));
    raft_config_free(cfg);

    raft_basic_status before, after;
    CHECK_OK(raft_node_basic_status(node, &before));
    CHECK_STATUS(raft_node_tick(NULL), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(raft_node_step(node, NULL, 5), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(raft_node_propose(node, NULL, 3), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(raft_node_basic_status(node, NULL), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(raft_node_has_ready(NULL, NULL), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(raft_node_ready(node, NULL), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(raft_node_advance(node, NULL), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(raft_ready_entries_len(NULL, NULL), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(raft_storage_compact(NULL, 1), RAFT_STATUS_NULL_ARGUMENT);
    CHECK_OK(raft_node_basic_status(node, &after));
    CHECK(same_status(&before, &after));

    /* _free(NULL) does nothing; last-error getters accept NULL. */
    raft_node_free(NULL);
    raft_ready_free(NULL);
    raft_storage_free(NULL);
    raft_config_free(NULL);
    raft_bytes_free(NULL);
    raft_bytes empty = {NULL, 0};
    raft_bytes_free(&empty);
    CHECK(strcmp(raft_node_last_error(NULL), "") == 0);
    CHECK(strcmp(raft_storage_last_error(NULL), "") == 0);
    CHECK(strcmp(raft_config_last_error(NULL), "") == 0);
    raft_node_free(node);
}

static void test_garbage_message_bytes(void) {
    cluster c;
    CHECK(elected(&c));
    raft_basic_status before, after;
    CHECK_OK(raft_node_basic_status(c.nodes[1], &before));
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    CHECK_STATUS(raft_node_step(c.nodes[1], garbage, sizeof garbage), RAFT_STATUS_DECODE);
    const uint8_t bad_wire_type[] = {0x0f, 0x01};
    CHECK_STATUS(raft_node_step(c.nodes[1], bad_wire_type, sizeof bad_wire_type), RAFT_STATUS_DECODE);
    CHECK(strlen(raft_node_last_error(c.nodes[1])) > 0);
    CHECK_OK(raft_node_basic_status(c.nodes[1], &after));
    CHECK(same_status(&before, &after));
    cluster_free(&c);
}

static void test_truncated_message_bytes(void) {
    cluster c;
    CHECK(elected(&c));
    uint8_t msg[4096];
    CHECK(cluster_propose_value(&c, 0, 99));
    size_t len = next_message_to(&c, 2, msg, sizeof msg);
    CHECK(len > 4);
    size_t decode_errors = 0;
    for (size_t cut = 1; cut < len; cut++) {
        raft_basic_status before, after;
        CHECK_OK(raft_node_basic_status(c.nodes[1], &before));
        raft_status s = raft_node_step(c.nodes[1], msg, len - cut);
        CHECK(s != RAFT_STATUS_PANIC && s != RAFT_STATUS_POISONED);
        if (s == RAFT_STATUS_DECODE) decode_errors++;
        if (s != RAFT_STATUS_OK) {
            CHECK_OK(raft_node_basic_status(c.nodes[1], &after));
            CHECK(same_status(&before, &after));
        }
    }
    /* Most cuts land inside a field and cannot decode. */
    CHECK(decode_errors > 0);
    /* The node still works: the complete message steps fine. */
    CHECK_OK(raft_node_step(c.nodes[1], msg, len));
    cluster_free(&c);
}

static void test_message_for_another_node(void) {
    cluster c;
    CHECK(elected(&c));
    uint8_t msg[4096];
    CHECK(cluster_propose_value(&c, 0, 7));
    size_t len = next_message_to(&c, 2, msg, sizeof msg);
    CHECK(len > 0);
    raft_basic_status before, after;
    CHECK_OK(raft_node_basic_status(c.nodes[2], &before));
    CHECK_STATUS(raft_node_step(c.nodes[2], msg, len), RAFT_STATUS_WRONG_RECIPIENT);
    CHECK(strstr(raft_node_last_error(c.nodes[2]), "node 2") != NULL);
    CHECK_OK(raft_node_basic_status(c.nodes[2], &after));
    CHECK(same_status(&before, &after));
    /* A later successful call clears the last error. */
    CHECK_OK(raft_node_tick(c.nodes[2]));
    CHECK(strcmp(raft_node_last_error(c.nodes[2]), "") == 0);
    cluster_free(&c);
}

static void test_unknown_message_type(void) {
    cluster c;
    CHECK(elected(&c));
    /* type = 99 (field 1), to = 2 (field 2), from = 1 (field 3), term = 1 (field 4). */
    const uint8_t unknown[] = {0x08, 99, 0x10, 0x02, 0x18, 0x01, 0x20, 0x01};
    raft_basic_status before, after;
    CHECK_OK(raft_node_basic_status(c.nodes[1], &before));
    CHECK_STATUS(raft_node_step(c.nodes[1], unknown, sizeof unknown), RAFT_STATUS_INVALID_MESSAGE);
    /* A local-only type (MsgHup = 0) arriving as a network message. */
    const uint8_t local[] = {0x08, 0x00, 0x10, 0x02, 0x18, 0x01};
    CHECK_STATUS(raft_node_step(c.nodes[1], local, sizeof local), RAFT_STATUS_STEP_LOCAL_MESSAGE);
    CHECK_OK(raft_node_basic_status(c.nodes[1], &after));
    CHECK(same_status(&before, &after));
    cluster_free(&c);
}

static void test_advance_with_ready_of_another_node(void) {
    cluster c;
    CHECK(elected(&c));
    CHECK(cluster_propose_value(&c, 0, 5));
    raft_ready *rd = NULL;
    CHECK_OK(raft_node_ready(c.nodes[0], &rd));
    raft_basic_status before, after;
    CHECK_OK(raft_node_basic_status(c.nodes[1], &before));
    CHECK_STATUS(raft_node_advance(c.nodes[1], rd), RAFT_STATUS_READY_MISMATCH);
    CHECK_OK(raft_node_basic_status(c.nodes[1], &after));
    CHECK(same_status(&before, &after));
    /* The Ready is intact and still belongs to node 1. */
    size_t n = 0;
    CHECK_OK(raft_ready_entries_len(rd, &n));
    CHECK(n == 1);
    raft_storage *st = NULL;
    CHECK_OK(raft_node_storage(c.nodes[0], &st));
    CHECK_OK(raft_storage_persist_ready(st, rd));
    CHECK_OK(raft_node_advance(c.nodes[0], rd));
    raft_ready_free(rd);
    cluster_free(&c);
}

static void test_advance_twice(void) {
    cluster c;
    CHECK(elected(&c));
    CHECK(cluster_propose_value(&c, 0, 6));
    raft_ready *rd = NULL;
    CHECK_OK(raft_node_ready(c.nodes[0], &rd));
    raft_storage *st = NULL;
    CHECK_OK(raft_node_storage(c.nodes[0], &st));
    CHECK_OK(raft_storage_persist_ready(st, rd));
    CHECK_OK(raft_node_advance(c.nodes[0], rd));
    raft_basic_status before, after;
    CHECK_OK(raft_node_basic_status(c.nodes[0], &before));
    CHECK_STATUS(raft_node_advance(c.nodes[0], rd), RAFT_STATUS_READY_CONSUMED);
    CHECK_OK(raft_node_basic_status(c.nodes[0], &after));
    CHECK(same_status(&before, &after));
    /* Accessors on an advanced Ready refuse, and write nothing. */
    size_t n = 777;
    CHECK_STATUS(raft_ready_entries_len(rd, &n), RAFT_STATUS_READY_CONSUMED);
    CHECK(n == 777);
    raft_ready_free(rd);
    cluster_free(&c);
}

static void test_ready_accessors_and_encoding(void) {
    cluster c;
    CHECK(cluster_init(&c, 3));
    CHECK_OK(raft_node_campaign(c.nodes[0]));
    raft_ready *rd = NULL;
    CHECK_OK(raft_node_ready(c.nodes[0], &rd));
    raft_hard_state hs;
    bool present = false;
    CHECK_OK(raft_ready_hard_state(rd, &hs, &present));
    CHECK(present && hs.term == 1 && hs.vote == 1);
    raft_soft_state ss;
    CHECK_OK(raft_ready_soft_state(rd, &ss, &present));
    CHECK(present && ss.role == RAFT_ROLE_CANDIDATE);
    bool sync = false;
    CHECK_OK(raft_ready_must_sync(rd, &sync));
    CHECK(sync);
    size_t n = 0;
    CHECK_OK(raft_ready_messages_len(rd, &n));
    CHECK(n == 2);
    raft_message m;
    CHECK_OK(raft_ready_message(rd, 0, &m));
    CHECK(m.to == 2 || m.to == 3);
    CHECK(m.msg_type == 5 /* MsgVote */);
    CHECK_STATUS(raft_ready_message(rd, 2, &m), RAFT_STATUS_OUT_OF_RANGE);
    raft_entry e;
    CHECK_STATUS(raft_ready_entry(rd, 0, &e), RAFT_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(raft_ready_committed_entry(rd, 0, &e), RAFT_STATUS_OUT_OF_RANGE);
    raft_snapshot_view sv;
    CHECK_OK(raft_ready_snapshot(rd, &sv, &present));
    CHECK(!present && sv.index == 0);
    raft_bytes b = {NULL, 0};
    CHECK_OK(raft_ready_encode(rd, &b));
    CHECK(b.data != NULL && b.len > m.data_len);
    raft_bytes_free(&b);
    CHECK(b.data == NULL && b.len == 0);
    raft_bytes_free(&b); /* harmless twice */
    raft_ready_free(rd);
    cluster_free(&c);
}

static void test_invalid_config(void) {
    raft_config *cfg = NULL;
    CHECK_OK(raft_config_new(1, &cfg));
    CHECK_OK(raft_config_set_election_tick(cfg, 1));
    CHECK_OK(raft_config_set_heartbeat_tick(cfg, 1));
    raft_node *node = NULL;
    uint64_t voters[] = {1};
    CHECK_STATUS(raft_node_new(cfg, voters, 1, &node), RAFT_STATUS_INVALID_CONFIG);
    CHECK(node == NULL);
    CHECK_STATUS(raft_config_validate(cfg), RAFT_STATUS_INVALID_CONFIG);
    CHECK(strstr(raft_config_last_error(cfg), "election tick") != NULL);
    CHECK_STATUS(raft_config_set_read_only_option(cfg, 7), RAFT_STATUS_INVALID_ARGUMENT);
    CHECK_OK(raft_config_set_election_tick(cfg, 10));
    CHECK_OK(raft_config_validate(cfg));
    CHECK(strcmp(raft_config_last_error(cfg), "") == 0);
    raft_config_free(cfg);
}

static void test_storage_and_restart(void) {
    raft_storage *st = NULL;
    CHECK_OK(raft_storage_new(&st));
    uint64_t voters[] = {1, 2, 3};
    raft_conf_state cs = {voters, 3, NULL, 0, NULL, 0, NULL, 0, false};
    CHECK_OK(raft_storage_set_conf_state(st, &cs));
    for (uint64_t i = 1; i <= 5; i++) {
        uint8_t payload[8];
        encode_u64(i * 10, payload);
        raft_entry e = {i, i <= 2 ? 1 : 2, RAFT_ENTRY_TYPE_NORMAL, payload, sizeof payload};
        CHECK_OK(raft_storage_append_entry(st, &e));
    }
    /* A gap is refused and changes nothing. */
    raft_entry gap = {9, 2, RAFT_ENTRY_TYPE_NORMAL, NULL, 0};
    CHECK_STATUS(raft_storage_append_entry(st, &gap), RAFT_STATUS_STORAGE_INVALID_REQUEST);
    CHECK(strlen(raft_storage_last_error(st)) > 0);
    uint64_t v = 0;
    CHECK_OK(raft_storage_last_index(st, &v));
    CHECK(v == 5);
    CHECK_OK(raft_storage_term(st, 4, &v));
    CHECK(v == 2);
    raft_hard_state hs = {2, 1, 4};
    CHECK_OK(raft_storage_set_hard_state(st, &hs));
    raft_hard_state back;
    CHECK_OK(raft_storage_hard_state(st, &back));
    CHECK(back.term == 2 && back.vote == 1 && back.commit == 4);
    raft_entry e3;
    CHECK_OK(raft_storage_entry(st, 3, &e3));
    CHECK(e3.index == 3 && e3.term == 2 && e3.data_len == 8 && decode_u64(e3.data) == 30);
    CHECK_STATUS(raft_storage_entry(st, 6, &e3), RAFT_STATUS_STORAGE_UNAVAILABLE);
    /* Snapshot at 2, compact, and the log starts at 3. */
    const uint8_t snap[] = "state@2";
    CHECK_OK(raft_storage_create_snapshot(st, 2, NULL, snap, sizeof snap));
    CHECK_OK(raft_storage_compact(st, 2));
    CHECK_OK(raft_storage_first_index(st, &v));
    CHECK(v == 3);
    CHECK_STATUS(raft_storage_compact(st, 1), RAFT_STATUS_STORAGE_COMPACTED);
    CHECK_STATUS(raft_storage_compact(st, 50), RAFT_STATUS_STORAGE_INVALID_REQUEST);
    CHECK_STATUS(raft_storage_term(st, 1, &v), RAFT_STATUS_STORAGE_COMPACTED);
    raft_snapshot_view sv;
    CHECK_OK(raft_storage_snapshot(st, &sv));
    CHECK(sv.index == 2 && sv.term == 1 && sv.conf_state.voters_len == 3);
    CHECK(sv.data_len == sizeof snap && memcmp(sv.data, snap, sizeof snap) == 0);

    /* Restart node 1 from it: the storage moves into the node. */
    raft_config *cfg = NULL;
    CHECK_OK(raft_config_new(1, &cfg));
    CHECK_OK(raft_config_set_applied(cfg, 2));
    raft_node *node = NULL;
    CHECK_OK(raft_node_new_from_storage(cfg, &st, &node));
    CHECK(st == NULL);
    raft_config_free(cfg);
    raft_basic_status bs;
    CHECK_OK(raft_node_basic_status(node, &bs));
    CHECK(bs.id == 1 && bs.term == 2 && bs.vote == 1 && bs.commit == 4 && bs.role == RAFT_ROLE_FOLLOWER);
    /* The view reaches the same storage; freeing a view does nothing. */
    raft_storage *view = NULL, *view2 = NULL;
    CHECK_OK(raft_node_storage(node, &view));
    CHECK_OK(raft_node_storage(node, &view2));
    CHECK(view == view2);
    raft_storage_free(view);
    CHECK_OK(raft_storage_last_index(view, &v));
    CHECK(v == 5);
    /* A view cannot be moved into another node. */
    raft_config *cfg2 = NULL;
    CHECK_OK(raft_config_new(2, &cfg2));
    raft_node *other = NULL;
    CHECK_STATUS(raft_node_new_from_storage(cfg2, &view, &other), RAFT_STATUS_INVALID_ARGUMENT);
    CHECK(other == NULL && view == view2);
    raft_config_free(cfg2);
    /* Committed entries 3..4 come out of the first Ready (applied was 2). */
    raft_ready *rd = NULL;
    CHECK_OK(raft_node_ready(node, &rd));
    size_t n = 0;
    CHECK_OK(raft_ready_committed_entries_len(rd, &n));
    CHECK(n == 2);
    raft_entry ce;
    CHECK_OK(raft_ready_committed_entry(rd, 0, &ce));
    CHECK(ce.index == 3 && decode_u64(ce.data) == 30);
    CHECK_OK(raft_node_advance(node, rd));
    raft_ready_free(rd);
    raft_node_free(node);
}

static void test_membership_plain_calls(void) {
    cluster c;
    CHECK(elected(&c));
    /* Remove node 3, then add it back as a learner, through the plain calls. */
    CHECK_OK(raft_node_propose_remove_node(c.nodes[0], 3));
    CHECK(cluster_pump(&c, 50));
    raft_conf_state cs;
    CHECK_OK(raft_node_conf_state(c.nodes[0], &cs));
    CHECK(cs.voters_len == 2 && cs.learners_len == 0);
    CHECK_OK(raft_node_propose_add_learner(c.nodes[0], 3));
    CHECK(cluster_pump(&c, 50));
    CHECK_OK(raft_node_conf_state(c.nodes[0], &cs));
    CHECK(cs.voters_len == 2 && cs.learners_len == 1 && cs.learners[0] == 3);
    CHECK_OK(raft_node_propose_add_voter(c.nodes[0], 3));
    CHECK(cluster_pump(&c, 50));
    CHECK_OK(raft_node_conf_state(c.nodes[0], &cs));
    CHECK(cs.voters_len == 3 && cs.learners_len == 0);
    /* Not a conf change entry. */
    CHECK_STATUS(raft_node_apply_conf_change(c.nodes[0], RAFT_ENTRY_TYPE_NORMAL, NULL, 0),
                 RAFT_STATUS_INVALID_ARGUMENT);
    const uint8_t junk[] = {0xff, 0xff};
    CHECK_STATUS(raft_node_propose_conf_change(c.nodes[0], junk, sizeof junk), RAFT_STATUS_DECODE);
    CHECK_STATUS(raft_node_report_snapshot(c.nodes[0], 2, 5), RAFT_STATUS_INVALID_ARGUMENT);
    CHECK(c.error == NULL);
    cluster_free(&c);
}

static void test_read_index_and_forget_leader(void) {
    cluster c;
    CHECK(elected(&c));
    raft_basic_status lst;
    CHECK_OK(raft_node_basic_status(c.nodes[0], &lst));
    const char ctx[] = "read-1";
    CHECK_OK(raft_node_read_index(c.nodes[0], (const uint8_t *)ctx, strlen(ctx)));
    CHECK(cluster_pump(&c, 50));
    CHECK(c.apps[0].reads_answered == 1);
    CHECK(strcmp(c.apps[0].last_read_ctx, "read-1") == 0);
    CHECK(c.apps[0].last_read_index == lst.commit);
    CHECK_STATUS(raft_node_read_index(c.nodes[0], NULL, 4), RAFT_STATUS_NULL_ARGUMENT);
    /* A follower forgets its leader; the leader itself ignores the request. */
    CHECK_OK(raft_node_forget_leader(c.nodes[1]));
    raft_basic_status st;
    CHECK_OK(raft_node_basic_status(c.nodes[1], &st));
    CHECK(st.lead == 0);
    CHECK_OK(raft_node_forget_leader(c.nodes[0]));
    CHECK_OK(raft_node_basic_status(c.nodes[0], &st));
    CHECK(st.lead == 1 && st.role == RAFT_ROLE_LEADER);
    CHECK(c.error == NULL);
    cluster_free(&c);
}

int main(void) {
    RUN(test_version_macros_match_library);
    RUN(test_status_codes_are_fixed_and_described);
    RUN(test_null_arguments_are_refused);
    RUN(test_garbage_message_bytes);
    RUN(test_truncated_message_bytes);
    RUN(test_message_for_another_node);
    RUN(test_unknown_message_type);
    RUN(test_advance_with_ready_of_another_node);
    RUN(test_advance_twice);
    RUN(test_ready_accessors_and_encoding);
    RUN(test_invalid_config);
    RUN(test_storage_and_restart);
    RUN(test_membership_plain_calls);
    RUN(test_read_index_and_forget_leader);
    return finish();
}
