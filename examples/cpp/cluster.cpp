// A three-node Raft cluster in one process, driven through the C++ wrapper (raft.hpp).
// Builds with -fno-exceptions: every call returns a raft::Result that is checked.
//
// Build: c++ -std=c++17 -I bindings/cpp cluster.cpp $(pkg-config --cflags --libs raft-core)
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "raft.hpp"

namespace {

struct Message {
    uint64_t to;
    std::vector<uint8_t> bytes;
};

template <typename R>
bool check(const R &r, const char *what) {
    if (r.ok()) return true;
    std::fprintf(stderr, "%s failed: %s\n", what, r.error().message.c_str());
    return false;
}

class Cluster {
  public:
    bool start(size_t n) {
        std::vector<uint64_t> voters;
        for (uint64_t id = 1; id <= n; id++) voters.push_back(id);
        for (uint64_t id = 1; id <= n; id++) {
            auto cfg = raft::Config::create(id);
            if (!check(cfg, "config")) return false;
            if (!check(cfg.value().seed(id), "seed")) return false;
            auto node = raft::Node::create(cfg.value(), voters);
            if (!check(node, "node")) return false;
            nodes_.push_back(std::move(node).value());
            applied_.emplace_back();
        }
        return true;
    }

    // Persist, send, apply, advance for one Ready of node `i`.
    bool handle_ready(size_t i) {
        raft::Node &node = nodes_[i];
        auto rd = node.ready();
        auto storage = node.storage();
        if (!check(rd, "ready") || !check(storage, "storage")) return false;
        raft::Ready &ready = rd.value();
        if (!check(storage.value().persist_ready(ready), "persist")) return false;
        auto msgs = ready.message_count();
        if (!check(msgs, "messages")) return false;
        for (size_t k = 0; k < msgs.value(); k++) {
            auto m = ready.message(k);
            if (!check(m, "message")) return false;
            network_.push_back({m.value().to, {m.value().data, m.value().data + m.value().data_len}});
        }
        auto committed = ready.committed_count();
        if (!check(committed, "committed")) return false;
        for (size_t k = 0; k < committed.value(); k++) {
            auto e = ready.committed_entry(k);
            if (!check(e, "entry")) return false;
            const raft_entry &entry = e.value();
            if (entry.entry_type != RAFT_ENTRY_TYPE_NORMAL) {
                if (!check(node.apply_conf_change(entry), "apply conf change")) return false;
            } else if (entry.data_len > 0) {
                applied_[i].emplace_back(reinterpret_cast<const char *>(entry.data), entry.data_len);
            }
        }
        return check(node.advance(ready), "advance");
    }

    bool run_until_quiet() {
        for (int round = 0; round < 100; round++) {
            bool busy = !network_.empty();
            for (size_t i = 0; i < nodes_.size(); i++) {
                auto has = nodes_[i].has_ready();
                if (!check(has, "has_ready")) return false;
                if (has.value()) {
                    busy = true;
                    if (!handle_ready(i)) return false;
                }
            }
            std::deque<Message> batch;
            batch.swap(network_);
            for (const Message &m : batch)
                if (!check(nodes_[m.to - 1].step(m.bytes.data(), m.bytes.size()), "step")) return false;
            if (!busy) return true;
        }
        return true;
    }

    int leader() const {
        for (size_t i = 0; i < nodes_.size(); i++) {
            auto st = nodes_[i].basic_status();
            if (st.ok() && st.value().role == RAFT_ROLE_LEADER) return static_cast<int>(i);
        }
        return -1;
    }

    std::vector<raft::Node> nodes_;
    std::vector<std::vector<std::string>> applied_;
    std::deque<Message> network_;
};

}  // namespace

int main() {
    Cluster c;
    if (!c.start(3)) return 1;
    int leader = -1;
    for (int t = 0; t < 100 && leader < 0; t++) {
        for (raft::Node &n : c.nodes_)
            if (!check(n.tick(), "tick")) return 1;
        if (!c.run_until_quiet()) return 1;
        leader = c.leader();
    }
    if (leader < 0) return 1;
    std::printf("node %d is the leader\n", leader + 1);
    for (const char *cmd : {"put a 1", "put b 2", "del a"}) {
        if (!check(c.nodes_[leader].propose(std::string_view(cmd)), "propose")) return 1;
        if (!c.run_until_quiet()) return 1;
    }
    for (size_t i = 0; i < c.nodes_.size(); i++) {
        std::printf("node %zu applied:", i + 1);
        for (const std::string &cmd : c.applied_[i]) std::printf(" [%s]", cmd.c_str());
        std::printf("\n");
        if (c.applied_[i] != c.applied_[0] || c.applied_[i].size() != 3) return 1;
    }
    std::printf("all nodes applied the same 3 commands\n");
    return 0;
}
