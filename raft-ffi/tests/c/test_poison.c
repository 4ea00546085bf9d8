/* Use after poisoning: a panic inside the library is caught, reported as RAFT_STATUS_PANIC,
 * and poisons the handle; every later call on it returns RAFT_STATUS_POISONED, other handles
 * keep working, and the poisoned handle can still be freed. Links the test-hooks build of the
 * library, which exports raft_test_node_panic() (deliberately not in raft.h). */
#include "test_util.h"

raft_status raft_test_node_panic(raft_node *node);

static raft_node *make_node(uint64_t id) {
    raft_config *cfg = NULL;
    raft_node *node = NULL;
    uint64_t voters[] = {1, 2, 3};
    if (raft_config_new(id, &cfg) != RAFT_STATUS_OK) return NULL;
    if (raft_node_new(cfg, voters, 3, &node) != RAFT_STATUS_OK) node = NULL;
    raft_config_free(cfg);
    return node;
}

static void test_use_after_poisoning(void) {
    raft_node *node = make_node(1);
    raft_node *other = make_node(2);
    CHECK(node != NULL && other != NULL);
    CHECK_STATUS(raft_test_node_panic(node), RAFT_STATUS_PANIC);
    CHECK(strstr(raft_node_last_error(node), "panic") != NULL);
    CHECK_STATUS(raft_node_tick(node), RAFT_STATUS_POISONED);
    CHECK_STATUS(raft_node_campaign(node), RAFT_STATUS_POISONED);
    const uint8_t data[] = {1, 2, 3};
    CHECK_STATUS(raft_node_propose(node, data, sizeof data), RAFT_STATUS_POISONED);
    bool has = false;
    CHECK_STATUS(raft_node_has_ready(node, &has), RAFT_STATUS_POISONED);
    raft_basic_status st;
    CHECK_STATUS(raft_node_basic_status(node, &st), RAFT_STATUS_POISONED);
    raft_ready *rd = NULL;
    CHECK_STATUS(raft_node_ready(node, &rd), RAFT_STATUS_POISONED);
    CHECK(rd == NULL);
    raft_storage *view = NULL;
    CHECK_STATUS(raft_node_storage(node, &view), RAFT_STATUS_POISONED);
    /* Other nodes are unaffected. */
    CHECK_OK(raft_node_tick(other));
    CHECK_OK(raft_node_basic_status(other, &st));
    CHECK(st.id == 2);
    raft_node_free(node);
    raft_node_free(other);
}

int main(void) {
    RUN(test_use_after_poisoning);
    return finish();
}
