// GoogleTest suite for raft.hpp: every wrapper method is called at least once and its result
// checked, so a method that drops a result or calls the wrong C function shows up here.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "raft.hpp"

namespace {

std::vector<uint8_t> u64_bytes(uint64_t v) {
    std::vector<uint8_t> out(8);
    for (int i = 0; i < 8; i++) out[i] = static_cast<uint8_t>(v >> (8 * i));
    return out;
}

raft::Config make_config(uint64_t id) {
    auto cfg = raft::Config::create(id);
    EXPECT_TRUE(cfg.ok());
    return std::move(cfg).value();
}

// Three nodes, a queue, and the applied payloads per node.
struct Cluster {
    std::vector<raft::Node> nodes;
    std::map<uint64_t, std::vector<std::string>> applied;
    struct Msg {
        uint64_t to;
        std::vector<uint8_t> bytes;
    };
    std::deque<Msg> queue;
    std::vector<std::string> reads;  // contexts of answered reads, any node

    explicit Cluster(size_t n) {
        std::vector<uint64_t> voters;
        for (uint64_t i = 1; i <= n; i++) voters.push_back(i);
        for (uint64_t i = 1; i <= n; i++) {
            auto cfg = make_config(i);
            EXPECT_TRUE(cfg.seed(i).ok());
            auto node = raft::Node::create(cfg, voters);
            EXPECT_TRUE(node.ok()) << node.error().message;
            nodes.push_back(std::move(node).value());
        }
    }

    raft::Node &node(uint64_t id) { return nodes[id - 1]; }

    void handle_ready(uint64_t id) {
        raft::Node &n = node(id);
        auto rd = n.ready();
        ASSERT_TRUE(rd.ok());
        raft::Ready &r = rd.value();
        auto st = n.storage();
        ASSERT_TRUE(st.ok());
        ASSERT_TRUE(st.value().persist_ready(r).ok());
        auto nreads = r.read_state_count();
        ASSERT_TRUE(nreads.ok());
        for (size_t i = 0; i < nreads.value(); i++) {
            auto rs = r.read_state(i);
            ASSERT_TRUE(rs.ok());
            reads.emplace_back(reinterpret_cast<const char *>(rs.value().request_ctx), rs.value().request_ctx_len);
        }
        auto count = r.message_count();
        ASSERT_TRUE(count.ok());
        for (size_t i = 0; i < count.value(); i++) {
            auto m = r.message(i);
            ASSERT_TRUE(m.ok());
            queue.push_back({m.value().to, std::vector<uint8_t>(m.value().data, m.value().data + m.value().data_len)});
        }
        auto committed = r.committed_count();
        ASSERT_TRUE(committed.ok());
        for (size_t i = 0; i < committed.value(); i++) {
            auto e = r.committed_entry(i);
            ASSERT_TRUE(e.ok());
            if (e.value().entry_type == RAFT_ENTRY_TYPE_NORMAL) {
                if (e.value().data_len > 0)
                    applied[id].emplace_back(reinterpret_cast<const char *>(e.value().data), e.value().data_len);
            } else {
                ASSERT_TRUE(n.apply_conf_change(e.value()).ok());
            }
        }
        ASSERT_TRUE(n.advance(r).ok());
    }

    void pump() {
        for (int round = 0; round < 100; round++) {
            bool busy = !queue.empty();
            for (uint64_t id = 1; id <= nodes.size(); id++) {
                auto has = node(id).has_ready();
                ASSERT_TRUE(has.ok());
                if (has.value()) {
                    busy = true;
                    handle_ready(id);
                }
            }
            while (!queue.empty()) {
                Msg m = std::move(queue.front());
                queue.pop_front();
                auto r = node(m.to).step(m.bytes.data(), m.bytes.size());
                ASSERT_TRUE(r.ok() || r.code() == RAFT_STATUS_STEP_PEER_NOT_FOUND) << r.error().message;
            }
            if (!busy) return;
        }
    }
};

}  // namespace

TEST(Version, MatchesHeader) {
    EXPECT_EQ(raft::version_number(), static_cast<uint32_t>(RAFT_VERSION_NUMBER));
    EXPECT_STREQ(raft::version(), RAFT_VERSION_STRING);
}

TEST(Config, EverySetterAndValidation) {
    auto cfg = make_config(1);
    EXPECT_TRUE(cfg.election_tick(20).ok());
    EXPECT_TRUE(cfg.heartbeat_tick(2).ok());
    EXPECT_TRUE(cfg.applied(0).ok());
    EXPECT_TRUE(cfg.max_size_per_msg(1 << 20).ok());
    EXPECT_TRUE(cfg.max_committed_size_per_ready(1 << 20).ok());
    EXPECT_TRUE(cfg.max_uncommitted_entries_size(1 << 24).ok());
    EXPECT_TRUE(cfg.max_inflight_msgs(128).ok());
    EXPECT_TRUE(cfg.max_inflight_bytes(0).ok());
    EXPECT_TRUE(cfg.check_quorum(true).ok());
    EXPECT_TRUE(cfg.pre_vote(true).ok());
    EXPECT_TRUE(cfg.read_only_option(RAFT_READ_ONLY_OPTION_LEASE_BASED).ok());
    EXPECT_TRUE(cfg.disable_proposal_forwarding(false).ok());
    EXPECT_TRUE(cfg.step_down_on_removal(true).ok());
    EXPECT_TRUE(cfg.seed(7).ok());
    EXPECT_TRUE(static_cast<bool>(cfg.validate()));
    EXPECT_STREQ(cfg.last_error(), "");
    // Invalid values: the setter accepts, validation names the problem.
    EXPECT_TRUE(cfg.election_tick(2).ok());
    auto v = cfg.validate();
    EXPECT_FALSE(v.ok());
    EXPECT_EQ(v.code(), RAFT_STATUS_INVALID_CONFIG);
    EXPECT_NE(v.error().message.find("election tick"), std::string::npos);
    EXPECT_NE(std::string(cfg.last_error()), "");
    auto bad = cfg.read_only_option(static_cast<raft_read_only_option>(42));
    EXPECT_FALSE(static_cast<bool>(bad));
    EXPECT_EQ(bad.code(), RAFT_STATUS_INVALID_ARGUMENT);
    EXPECT_STREQ(bad.error().status_str(), raft_status_str(RAFT_STATUS_INVALID_ARGUMENT));
    // Invalid config refuses to create a node.
    auto node = raft::Node::create(cfg, {1});
    EXPECT_EQ(node.code(), RAFT_STATUS_INVALID_CONFIG);
    EXPECT_NE(cfg.capi(), nullptr);
    raft_config *raw = cfg.release();
    EXPECT_NE(raw, nullptr);
    raft::Config readopted(raw);  // takes ownership back; freed at scope end
    EXPECT_EQ(readopted.capi(), raw);
}

TEST(Storage, OwnedStorageOperationsAndRestart) {
    auto created = raft::Storage::create();
    ASSERT_TRUE(created.ok());
    raft::Storage st = std::move(created).value();
    raft::ConfState cs;
    cs.voters = {1, 2, 3};
    ASSERT_TRUE(st.set_conf_state(cs).ok());
    for (uint64_t i = 1; i <= 4; i++) {
        auto payload = u64_bytes(i);
        raft_entry e{i, 1, RAFT_ENTRY_TYPE_NORMAL, payload.data(), payload.size()};
        ASSERT_TRUE(st.append_entry(e).ok());
    }
    raft_entry gap{10, 1, RAFT_ENTRY_TYPE_NORMAL, nullptr, 0};
    auto g = st.append_entry(gap);
    EXPECT_EQ(g.code(), RAFT_STATUS_STORAGE_INVALID_REQUEST);
    EXPECT_NE(std::string(st.last_error()), "");
    ASSERT_TRUE(st.set_hard_state(raft_hard_state{1, 1, 4}).ok());
    auto hs = st.hard_state();
    ASSERT_TRUE(hs.ok());
    EXPECT_EQ(hs.value().commit, 4u);
    EXPECT_EQ(st.last_index().value(), 4u);
    EXPECT_EQ(st.term(3).value(), 1u);
    auto e3 = st.entry(3);
    ASSERT_TRUE(e3.ok());
    EXPECT_EQ(e3.value().index, 3u);
    const uint8_t data[] = {'s', 'n', 'a', 'p'};
    ASSERT_TRUE(st.create_snapshot(2, &cs, data, sizeof data).ok());
    ASSERT_TRUE(st.compact(2).ok());
    EXPECT_EQ(st.first_index().value(), 3u);
    EXPECT_EQ(st.term(1).code(), RAFT_STATUS_STORAGE_COMPACTED);
    auto snap = st.snapshot();
    ASSERT_TRUE(snap.ok());
    EXPECT_EQ(snap.value().index, 2u);
    EXPECT_EQ(snap.value().data_len, sizeof data);
    // An older snapshot is refused by both apply paths.
    raft_snapshot_view old = snap.value();
    old.index = 1;
    EXPECT_EQ(st.apply_snapshot(old).code(), RAFT_STATUS_STORAGE_SNAPSHOT_OUT_OF_DATE);
    const uint8_t garbage[] = {0xff, 0xff, 0xff};
    EXPECT_EQ(st.apply_snapshot_encoded(garbage, sizeof garbage).code(), RAFT_STATUS_DECODE);
    EXPECT_NE(st.capi(), nullptr);

    auto cfg = make_config(1);
    ASSERT_TRUE(cfg.applied(2).ok());
    auto node = raft::Node::restart(cfg, st);
    ASSERT_TRUE(node.ok()) << node.error().message;
    EXPECT_EQ(st.capi(), nullptr);  // moved into the node
    auto bs = node.value().basic_status();
    ASSERT_TRUE(bs.ok());
    EXPECT_EQ(bs.value().term, 1u);
    EXPECT_EQ(bs.value().commit, 4u);
    auto view = node.value().storage();
    ASSERT_TRUE(view.ok());
    EXPECT_EQ(view.value().last_index().value(), 4u);

    // A second, fresh storage: apply a snapshot view, then release and free by hand.
    auto other = raft::Storage::create();
    ASSERT_TRUE(other.ok());
    raft_snapshot_view sv{5, 2, cs.view(), data, sizeof data};
    ASSERT_TRUE(other.value().apply_snapshot(sv).ok());
    EXPECT_EQ(other.value().first_index().value(), 6u);
    raft_storage_free(other.value().release());
}

TEST(Node, ClusterElectsReplicatesAndChangesMembership) {
    Cluster c(3);
    ASSERT_TRUE(c.node(1).campaign().ok());
    c.pump();
    auto st = c.node(1).basic_status();
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st.value().role, RAFT_ROLE_LEADER);
    EXPECT_EQ(st.value().lead, 1u);
    EXPECT_EQ(c.node(2).basic_status().value().lead, 1u);

    ASSERT_TRUE(c.node(1).propose(std::string_view("hello")).ok());
    const uint8_t raw[] = {'w', 'o', 'r', 'l', 'd'};
    ASSERT_TRUE(c.node(1).propose(raw, sizeof raw).ok());
    c.pump();
    for (uint64_t id = 1; id <= 3; id++) {
        ASSERT_EQ(c.applied[id].size(), 2u);
        EXPECT_EQ(c.applied[id][0], "hello");
        EXPECT_EQ(c.applied[id][1], "world");
    }

    ASSERT_TRUE(c.node(1).propose_remove_node(3).ok());
    c.pump();
    EXPECT_EQ(c.node(1).conf_state().value().voters.size(), 2u);
    ASSERT_TRUE(c.node(1).propose_add_learner(3).ok());
    c.pump();
    auto cs = c.node(1).conf_state();
    ASSERT_TRUE(cs.ok());
    EXPECT_EQ(cs.value().learners, std::vector<uint64_t>{3});
    ASSERT_TRUE(c.node(1).propose_add_voter(3).ok());
    c.pump();
    EXPECT_EQ(c.node(1).conf_state().value().voters.size(), 3u);

    // Encoded conf changes: garbage is refused with DECODE, a valid ConfChange is accepted.
    EXPECT_EQ(c.node(1).propose_conf_change({0xff, 0xff}).code(), RAFT_STATUS_DECODE);
    EXPECT_EQ(c.node(1).propose_conf_change_v2({0xff, 0xff}).code(), RAFT_STATUS_DECODE);
    // ConfChange{type = AddNode (0), node_id = 3}: field 3 varint 3.
    EXPECT_TRUE(c.node(1).propose_conf_change({0x18, 0x03}).ok());
    // ConfChangeV2{changes = [{type AddNode, node_id 3}]}: field 2, length 2, {0x10, 0x03}.
    c.pump();
    EXPECT_TRUE(c.node(1).propose_conf_change_v2({0x12, 0x02, 0x10, 0x03}).ok());
    c.pump();

    ASSERT_TRUE(c.node(1).read_index("read-7").ok());
    c.pump();
    EXPECT_EQ(c.reads, std::vector<std::string>{"read-7"});
    EXPECT_TRUE(c.node(3).forget_leader().ok());
    EXPECT_EQ(c.node(3).basic_status().value().lead, 0u);
    EXPECT_TRUE(c.node(1).report_unreachable(2).ok());
    EXPECT_TRUE(c.node(1).report_snapshot(2, RAFT_SNAPSHOT_STATUS_FAILURE).ok());
    EXPECT_TRUE(c.node(1).transfer_leader(2).ok());
    c.pump();
    for (int i = 0; i < 5; i++) {
        EXPECT_TRUE(c.node(1).tick().ok());
        c.pump();
    }
    EXPECT_EQ(c.node(2).basic_status().value().role, RAFT_ROLE_LEADER);
    EXPECT_STREQ(c.node(1).last_error(), "");
}

TEST(Node, BadInputKeepsNodeAndExplains) {
    Cluster c(3);
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    auto r = c.node(2).step(garbage, sizeof garbage);
    EXPECT_EQ(r.code(), RAFT_STATUS_DECODE);
    EXPECT_FALSE(r.error().message.empty());
    EXPECT_NE(std::string(c.node(2).last_error()), "");
    raft_entry not_cc{1, 1, RAFT_ENTRY_TYPE_NORMAL, nullptr, 0};
    EXPECT_EQ(c.node(2).apply_conf_change(not_cc).code(), RAFT_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(c.node(2).report_snapshot(1, static_cast<raft_snapshot_status>(9)).code(), RAFT_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(c.node(2).propose(std::string_view("x")).code(), RAFT_STATUS_PROPOSAL_DROPPED);
}

TEST(Ready, AccessorsEncodingAndOwnership) {
    Cluster c(3);
    ASSERT_TRUE(c.node(1).campaign().ok());
    auto rd = c.node(1).ready();
    ASSERT_TRUE(rd.ok());
    raft::Ready &r = rd.value();
    auto hs = r.hard_state();
    ASSERT_TRUE(hs.ok() && hs.value().has_value());
    EXPECT_EQ(hs.value()->term, 1u);
    auto ss = r.soft_state();
    ASSERT_TRUE(ss.ok() && ss.value().has_value());
    EXPECT_EQ(ss.value()->role, RAFT_ROLE_CANDIDATE);
    EXPECT_TRUE(r.must_sync().value());
    EXPECT_EQ(r.entry_count().value(), 0u);
    EXPECT_EQ(r.entry(0).code(), RAFT_STATUS_OUT_OF_RANGE);
    EXPECT_EQ(r.committed_count().value(), 0u);
    EXPECT_EQ(r.message_count().value(), 2u);
    auto snap = r.snapshot();
    ASSERT_TRUE(snap.ok());
    EXPECT_FALSE(snap.value().has_value());
    auto enc = r.encode();
    ASSERT_TRUE(enc.ok());
    EXPECT_GT(enc.value().size(), 0u);
    // Another node's advance refuses this Ready; the owner's succeeds once.
    EXPECT_EQ(c.node(2).advance(r).code(), RAFT_STATUS_READY_MISMATCH);
    ASSERT_TRUE(c.node(1).storage().value().persist_ready(r).ok());
    ASSERT_TRUE(c.node(1).advance(r).ok());
    EXPECT_EQ(c.node(1).advance(r).code(), RAFT_STATUS_READY_CONSUMED);
    EXPECT_EQ(r.message_count().code(), RAFT_STATUS_READY_CONSUMED);
    EXPECT_NE(r.capi(), nullptr);

    // The entries accessor on a Ready with entries; release() hands the handle to C. The
    // vote requests above were never delivered, so campaign again through the cluster.
    ASSERT_TRUE(c.node(1).campaign().ok());
    c.pump();
    ASSERT_TRUE(c.node(1).propose(std::string_view("e")).ok());
    auto rd2 = c.node(1).ready();
    ASSERT_TRUE(rd2.ok());
    ASSERT_EQ(rd2.value().entry_count().value(), 1u);
    auto e = rd2.value().entry(0);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e.value().data_len, 1u);
    auto m = rd2.value().message(0);
    EXPECT_TRUE(m.ok());
    raft_ready_free(rd2.value().release());
}

TEST(Node, ReleaseAndReadopt) {
    auto cfg = make_config(1);
    auto node = raft::Node::create(cfg, {1});
    ASSERT_TRUE(node.ok());
    raft_node *raw = node.value().release();
    raft::Node again(raw);
    EXPECT_EQ(again.capi(), raw);
    EXPECT_TRUE(again.campaign().ok());
    // A single voter wins once its own vote is persisted: one Ready round.
    for (int i = 0; i < 5 && again.has_ready().value(); i++) {
        auto rd = again.ready();
        ASSERT_TRUE(rd.ok());
        ASSERT_TRUE(again.storage().value().persist_ready(rd.value()).ok());
        ASSERT_TRUE(again.advance(rd.value()).ok());
    }
    auto st = again.basic_status();
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st.value().role, RAFT_ROLE_LEADER);
}
