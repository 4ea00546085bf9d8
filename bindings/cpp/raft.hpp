// raft.hpp: a header-only C++17 RAII wrapper over raft.h (libraft.so from raft-core).
//
// * One class per C handle (Config, Storage / StorageView, Node, Ready), each owning its handle
//   through std::unique_ptr with the matching raft_*_free deleter. Owning classes are move-only.
// * Every fallible call returns a [[nodiscard]] raft::Result<T>; nothing throws, so the wrapper
//   works with -fno-exceptions. A failed Result carries the status code and the handle's
//   last-error message.
// * Views (Entry, Message, SnapshotView, ConfStateView) point into the object they came from and
//   follow the C lifetime rules documented in raft.h; the owning accessors (conf_state(),
//   encode()) copy into standard containers.
// * capi() exposes the raw handle for calls the wrapper does not cover; release() gives it up.
//
// Thread safety is that of the C API: one object is used by one thread at a time (const
// methods may run concurrently with each other).
#ifndef RAFT_HPP
#define RAFT_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "raft.h"

namespace raft {

/// A failed call: the status code and the explanation the library gave.
struct Error {
    raft_status code = RAFT_STATUS_OK;
    std::string message;

    /// The static description of `code` (raft_status_str).
    const char *status_str() const noexcept { return raft_status_str(code); }
};

/// The outcome of a fallible call: a value or an Error. Check ok() before value().
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    /// The value; only valid when ok().
    T &value() & noexcept { return *value_; }
    const T &value() const & noexcept { return *value_; }
    T &&value() && noexcept { return std::move(*value_); }
    /// The error; only meaningful when !ok().
    const Error &error() const noexcept { return error_; }
    raft_status code() const noexcept { return ok() ? RAFT_STATUS_OK : error_.code; }

  private:
    std::optional<T> value_;
    Error error_;
};

/// The outcome of a fallible call without a value.
template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const Error &error() const noexcept { return error_; }
    raft_status code() const noexcept { return ok_ ? RAFT_STATUS_OK : error_.code; }

  private:
    Error error_;
    bool ok_ = true;
};

/// The library version at run time (raft_version_number); compare with RAFT_VERSION_NUMBER.
inline uint32_t version_number() noexcept { return raft_version_number(); }
/// The library version string at run time.
inline const char *version() noexcept { return raft_version(); }

namespace detail {
struct ConfigDeleter {
    void operator()(raft_config *p) const noexcept { raft_config_free(p); }
};
struct StorageDeleter {
    void operator()(raft_storage *p) const noexcept { raft_storage_free(p); }
};
struct NodeDeleter {
    void operator()(raft_node *p) const noexcept { raft_node_free(p); }
};
struct ReadyDeleter {
    void operator()(raft_ready *p) const noexcept { raft_ready_free(p); }
};

inline Error make_error(raft_status code, const char *last_error) {
    Error e;
    e.code = code;
    e.message = (last_error != nullptr && last_error[0] != '\0') ? last_error : raft_status_str(code);
    return e;
}

inline Result<void> check(raft_status code, const char *last_error) {
    if (code == RAFT_STATUS_OK) return {};
    return make_error(code, last_error);
}

/// Calls `call(&out)` and only then reads `out`, so the value is never read before the C
/// function has written it.
template <typename T, typename F>
Result<T> fetch(F call, const char *last_error) {
    T out{};
    raft_status s = call(&out);
    if (s != RAFT_STATUS_OK) return make_error(s, last_error);
    return out;
}

inline std::vector<uint64_t> ids(const uint64_t *p, size_t n) {
    return p == nullptr ? std::vector<uint64_t>() : std::vector<uint64_t>(p, p + n);
}
}  // namespace detail

/// A membership configuration, copied out of the library.
struct ConfState {
    std::vector<uint64_t> voters;
    std::vector<uint64_t> learners;
    std::vector<uint64_t> voters_outgoing;
    std::vector<uint64_t> learners_next;
    bool auto_leave = false;

    static ConfState from_view(const raft_conf_state &v) {
        ConfState cs;
        cs.voters = detail::ids(v.voters, v.voters_len);
        cs.learners = detail::ids(v.learners, v.learners_len);
        cs.voters_outgoing = detail::ids(v.voters_outgoing, v.voters_outgoing_len);
        cs.learners_next = detail::ids(v.learners_next, v.learners_next_len);
        cs.auto_leave = v.auto_leave;
        return cs;
    }

    /// A C view borrowing this object's vectors (valid while it is alive and unchanged).
    raft_conf_state view() const noexcept {
        return raft_conf_state{voters.data(),          voters.size(),
                               learners.data(),        learners.size(),
                               voters_outgoing.data(), voters_outgoing.size(),
                               learners_next.data(),   learners_next.size(),
                               auto_leave};
    }
};

/// Node configuration (raft_config). Move-only.
class Config {
  public:
    /// etcd's defaults for node `id`.
    [[nodiscard]] static Result<Config> create(uint64_t id) {
        raft_config *p = nullptr;
        raft_status s = raft_config_new(id, &p);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, nullptr);
        return Config(p);
    }
    /// Takes ownership of a raw handle.
    explicit Config(raft_config *p) noexcept : p_(p) {}

    [[nodiscard]] Result<void> election_tick(size_t v) { return done(raft_config_set_election_tick(p(), v)); }
    [[nodiscard]] Result<void> heartbeat_tick(size_t v) { return done(raft_config_set_heartbeat_tick(p(), v)); }
    [[nodiscard]] Result<void> applied(uint64_t v) { return done(raft_config_set_applied(p(), v)); }
    [[nodiscard]] Result<void> max_size_per_msg(uint64_t v) { return done(raft_config_set_max_size_per_msg(p(), v)); }
    [[nodiscard]] Result<void> max_committed_size_per_ready(uint64_t v) {
        return done(raft_config_set_max_committed_size_per_ready(p(), v));
    }
    [[nodiscard]] Result<void> max_uncommitted_entries_size(uint64_t v) {
        return done(raft_config_set_max_uncommitted_entries_size(p(), v));
    }
    [[nodiscard]] Result<void> max_inflight_msgs(size_t v) { return done(raft_config_set_max_inflight_msgs(p(), v)); }
    [[nodiscard]] Result<void> max_inflight_bytes(uint64_t v) { return done(raft_config_set_max_inflight_bytes(p(), v)); }
    [[nodiscard]] Result<void> check_quorum(bool v) { return done(raft_config_set_check_quorum(p(), v)); }
    [[nodiscard]] Result<void> pre_vote(bool v) { return done(raft_config_set_pre_vote(p(), v)); }
    [[nodiscard]] Result<void> read_only_option(raft_read_only_option v) {
        return done(raft_config_set_read_only_option(p(), static_cast<int32_t>(v)));
    }
    [[nodiscard]] Result<void> disable_proposal_forwarding(bool v) {
        return done(raft_config_set_disable_proposal_forwarding(p(), v));
    }
    [[nodiscard]] Result<void> step_down_on_removal(bool v) { return done(raft_config_set_step_down_on_removal(p(), v)); }
    [[nodiscard]] Result<void> seed(uint64_t v) { return done(raft_config_set_seed(p(), v)); }
    /// Checks the whole configuration; the error message says what is wrong.
    [[nodiscard]] Result<void> validate() { return done(raft_config_validate(p())); }
    /// The reason the last validation failed, or "".
    const char *last_error() const noexcept { return raft_config_last_error(p_.get()); }

    raft_config *capi() noexcept { return p_.get(); }
    const raft_config *capi() const noexcept { return p_.get(); }
    [[nodiscard]] raft_config *release() noexcept { return p_.release(); }

  private:
    raft_config *p() noexcept { return p_.get(); }
    Result<void> done(raft_status s) { return detail::check(s, raft_config_last_error(p_.get())); }
    std::unique_ptr<raft_config, detail::ConfigDeleter> p_;
};

/// The storage operations shared by an owned Storage and a node's StorageView.
template <typename Derived>
class StorageOps {
  public:
    /// Appends one entry (copied).
    [[nodiscard]] Result<void> append_entry(const raft_entry &e) { return done(raft_storage_append_entry(h(), &e)); }
    /// Persists a Ready's snapshot, entries and hard state.
    template <typename R>
    [[nodiscard]] Result<void> persist_ready(const R &ready) {
        return done(raft_storage_persist_ready(h(), ready.capi()));
    }
    [[nodiscard]] Result<void> set_hard_state(const raft_hard_state &hs) {
        return done(raft_storage_set_hard_state(h(), &hs));
    }
    [[nodiscard]] Result<void> set_conf_state(const ConfState &cs) {
        raft_conf_state v = cs.view();
        return done(raft_storage_set_conf_state(h(), &v));
    }
    [[nodiscard]] Result<void> apply_snapshot(const raft_snapshot_view &snap) {
        return done(raft_storage_apply_snapshot(h(), &snap));
    }
    /// Applies an encoded raftpb.Snapshot.
    [[nodiscard]] Result<void> apply_snapshot_encoded(const uint8_t *data, size_t len) {
        return done(raft_storage_apply_snapshot_encoded(h(), data, len));
    }
    /// Records a snapshot at `index`; `cs` nullptr keeps the stored configuration.
    [[nodiscard]] Result<void> create_snapshot(uint64_t index, const ConfState *cs, const uint8_t *data, size_t len) {
        if (cs == nullptr) return done(raft_storage_create_snapshot(h(), index, nullptr, data, len));
        raft_conf_state v = cs->view();
        return done(raft_storage_create_snapshot(h(), index, &v, data, len));
    }
    [[nodiscard]] Result<void> compact(uint64_t index) { return done(raft_storage_compact(h(), index)); }
    [[nodiscard]] Result<uint64_t> first_index() const {
        return fetch<uint64_t>([&](uint64_t *out) { return raft_storage_first_index(ch(), out); });
    }
    [[nodiscard]] Result<uint64_t> last_index() const {
        return fetch<uint64_t>([&](uint64_t *out) { return raft_storage_last_index(ch(), out); });
    }
    [[nodiscard]] Result<uint64_t> term(uint64_t index) const {
        return fetch<uint64_t>([&](uint64_t *out) { return raft_storage_term(ch(), index, out); });
    }
    [[nodiscard]] Result<raft_hard_state> hard_state() const {
        return fetch<raft_hard_state>([&](raft_hard_state *out) { return raft_storage_hard_state(ch(), out); });
    }
    /// The entry at `index`; its data is valid until the next call on this storage.
    [[nodiscard]] Result<raft_entry> entry(uint64_t index) {
        raft_entry v{};
        raft_status s = raft_storage_entry(h(), index, &v);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, last_error());
        return v;
    }
    /// The current snapshot; its pointers are valid until the next call on this storage.
    [[nodiscard]] Result<raft_snapshot_view> snapshot() {
        raft_snapshot_view v{};
        raft_status s = raft_storage_snapshot(h(), &v);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, last_error());
        return v;
    }
    const char *last_error() const noexcept { return raft_storage_last_error(ch()); }

  private:
    raft_storage *h() noexcept { return static_cast<Derived *>(this)->capi(); }
    const raft_storage *ch() const noexcept { return static_cast<const Derived *>(this)->capi(); }
    Result<void> done(raft_status s) { return detail::check(s, last_error()); }
    template <typename T, typename F>
    static Result<T> fetch(F call) {
        return detail::fetch<T>(call, nullptr);
    }
};

/// A storage the program owns (raft_storage_new). Move-only. Move it into a node with
/// Node::restart().
class Storage : public StorageOps<Storage> {
  public:
    [[nodiscard]] static Result<Storage> create() {
        raft_storage *p = nullptr;
        raft_status s = raft_storage_new(&p);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, nullptr);
        return Storage(p);
    }
    explicit Storage(raft_storage *p) noexcept : p_(p) {}

    raft_storage *capi() noexcept { return p_.get(); }
    const raft_storage *capi() const noexcept { return p_.get(); }
    [[nodiscard]] raft_storage *release() noexcept { return p_.release(); }

  private:
    std::unique_ptr<raft_storage, detail::StorageDeleter> p_;
};

/// A node's own storage (raft_node_storage): non-owning, valid while the node lives. Copyable.
class StorageView : public StorageOps<StorageView> {
  public:
    explicit StorageView(raft_storage *p) noexcept : p_(p) {}
    raft_storage *capi() noexcept { return p_; }
    const raft_storage *capi() const noexcept { return p_; }

  private:
    raft_storage *p_;
};

/// One Ready (raft_node_ready). Move-only; pointers from its accessors are valid until it is
/// advanced or destroyed.
class Ready {
  public:
    explicit Ready(raft_ready *p) noexcept : p_(p) {}

    /// The hard state to persist, if it changed.
    [[nodiscard]] Result<std::optional<raft_hard_state>> hard_state() const {
        raft_hard_state hs{};
        bool present = false;
        raft_status s = raft_ready_hard_state(p_.get(), &hs, &present);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, nullptr);
        return present ? std::optional<raft_hard_state>(hs) : std::nullopt;
    }
    /// The new leader and role, if either changed.
    [[nodiscard]] Result<std::optional<raft_soft_state>> soft_state() const {
        raft_soft_state ss{};
        bool present = false;
        raft_status s = raft_ready_soft_state(p_.get(), &ss, &present);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, nullptr);
        return present ? std::optional<raft_soft_state>(ss) : std::nullopt;
    }
    [[nodiscard]] Result<bool> must_sync() const {
        return fetch<bool>([&](bool *out) { return raft_ready_must_sync(p_.get(), out); });
    }
    [[nodiscard]] Result<size_t> entry_count() const {
        return fetch<size_t>([&](size_t *out) { return raft_ready_entries_len(p_.get(), out); });
    }
    [[nodiscard]] Result<raft_entry> entry(size_t i) const {
        return fetch<raft_entry>([&](raft_entry *out) { return raft_ready_entry(p_.get(), i, out); });
    }
    [[nodiscard]] Result<size_t> committed_count() const {
        return fetch<size_t>([&](size_t *out) { return raft_ready_committed_entries_len(p_.get(), out); });
    }
    [[nodiscard]] Result<raft_entry> committed_entry(size_t i) const {
        return fetch<raft_entry>([&](raft_entry *out) { return raft_ready_committed_entry(p_.get(), i, out); });
    }
    [[nodiscard]] Result<size_t> message_count() const {
        return fetch<size_t>([&](size_t *out) { return raft_ready_messages_len(p_.get(), out); });
    }
    [[nodiscard]] Result<raft_message> message(size_t i) const {
        return fetch<raft_message>([&](raft_message *out) { return raft_ready_message(p_.get(), i, out); });
    }
    [[nodiscard]] Result<size_t> read_state_count() const {
        return fetch<size_t>([&](size_t *out) { return raft_ready_read_states_len(p_.get(), out); });
    }
    [[nodiscard]] Result<raft_read_state> read_state(size_t i) const {
        return fetch<raft_read_state>([&](raft_read_state *out) { return raft_ready_read_state(p_.get(), i, out); });
    }
    /// The snapshot to install, if any.
    [[nodiscard]] Result<std::optional<raft_snapshot_view>> snapshot() const {
        raft_snapshot_view v{};
        bool present = false;
        raft_status s = raft_ready_snapshot(p_.get(), &v, &present);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, nullptr);
        return present ? std::optional<raft_snapshot_view>(v) : std::nullopt;
    }
    /// The whole Ready as an encoded raftffi.Ready message, copied.
    [[nodiscard]] Result<std::vector<uint8_t>> encode() const {
        raft_bytes b{nullptr, 0};
        raft_status s = raft_ready_encode(p_.get(), &b);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, nullptr);
        std::vector<uint8_t> out(b.data, b.data + b.len);
        raft_bytes_free(&b);
        return out;
    }

    raft_ready *capi() noexcept { return p_.get(); }
    const raft_ready *capi() const noexcept { return p_.get(); }
    [[nodiscard]] raft_ready *release() noexcept { return p_.release(); }

  private:
    template <typename T, typename F>
    static Result<T> fetch(F call) {
        return detail::fetch<T>(call, nullptr);
    }
    std::unique_ptr<raft_ready, detail::ReadyDeleter> p_;
};

/// A Raft node (raft_node). Move-only.
class Node {
  public:
    /// A node of a new cluster whose voters are `voters` (empty: a node that waits to join).
    [[nodiscard]] static Result<Node> create(const Config &config, const std::vector<uint64_t> &voters) {
        raft_node *p = nullptr;
        raft_status s = raft_node_new(config.capi(), voters.data(), voters.size(), &p);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, nullptr);
        return Node(p);
    }
    /// Restarts a node from a storage holding its state. On success the storage moves into
    /// the node (`storage` becomes empty); on failure it is left as it was.
    [[nodiscard]] static Result<Node> restart(const Config &config, Storage &storage) {
        raft_storage *raw = storage.capi();
        raft_node *p = nullptr;
        raft_status s = raft_node_new_from_storage(config.capi(), &raw, &p);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, raft_storage_last_error(storage.capi()));
        (void)storage.release();  // now owned (and already freed) by the node
        return Node(p);
    }
    explicit Node(raft_node *p) noexcept : p_(p) {}

    [[nodiscard]] Result<void> tick() { return done(raft_node_tick(p())); }
    [[nodiscard]] Result<void> campaign() { return done(raft_node_campaign(p())); }
    [[nodiscard]] Result<void> propose(const uint8_t *data, size_t len) { return done(raft_node_propose(p(), data, len)); }
    [[nodiscard]] Result<void> propose(std::string_view data) {
        return propose(reinterpret_cast<const uint8_t *>(data.data()), data.size());
    }
    /// Encoded raftpb.ConfChange.
    [[nodiscard]] Result<void> propose_conf_change(const std::vector<uint8_t> &cc) {
        return done(raft_node_propose_conf_change(p(), cc.data(), cc.size()));
    }
    /// Encoded raftpb.ConfChangeV2.
    [[nodiscard]] Result<void> propose_conf_change_v2(const std::vector<uint8_t> &cc) {
        return done(raft_node_propose_conf_change_v2(p(), cc.data(), cc.size()));
    }
    [[nodiscard]] Result<void> propose_add_voter(uint64_t id) { return done(raft_node_propose_add_voter(p(), id)); }
    [[nodiscard]] Result<void> propose_add_learner(uint64_t id) { return done(raft_node_propose_add_learner(p(), id)); }
    [[nodiscard]] Result<void> propose_remove_node(uint64_t id) { return done(raft_node_propose_remove_node(p(), id)); }
    /// An encoded raftpb.Message from a peer.
    [[nodiscard]] Result<void> step(const uint8_t *data, size_t len) { return done(raft_node_step(p(), data, len)); }
    [[nodiscard]] Result<bool> has_ready() const {
        bool v = false;
        raft_status s = raft_node_has_ready(p_.get(), &v);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, nullptr);
        return v;
    }
    [[nodiscard]] Result<Ready> ready() {
        raft_ready *r = nullptr;
        raft_status s = raft_node_ready(p(), &r);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, last_error());
        return Ready(r);
    }
    /// Hands the Ready back; its accessors stop working afterwards.
    [[nodiscard]] Result<void> advance(Ready &ready) { return done(raft_node_advance(p(), ready.capi())); }
    /// Applies a committed conf change entry.
    [[nodiscard]] Result<void> apply_conf_change(const raft_entry &e) {
        return done(raft_node_apply_conf_change(p(), e.entry_type, e.data, e.data_len));
    }
    [[nodiscard]] Result<ConfState> conf_state() {
        raft_conf_state v{};
        raft_status s = raft_node_conf_state(p(), &v);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, last_error());
        return ConfState::from_view(v);
    }
    [[nodiscard]] Result<void> report_unreachable(uint64_t id) { return done(raft_node_report_unreachable(p(), id)); }
    [[nodiscard]] Result<void> report_snapshot(uint64_t id, raft_snapshot_status status) {
        return done(raft_node_report_snapshot(p(), id, static_cast<int32_t>(status)));
    }
    [[nodiscard]] Result<void> transfer_leader(uint64_t id) { return done(raft_node_transfer_leader(p(), id)); }
    [[nodiscard]] Result<void> forget_leader() { return done(raft_node_forget_leader(p())); }
    /// Requests a linearizable read; the answer comes back as a Ready read state with `ctx`.
    [[nodiscard]] Result<void> read_index(std::string_view ctx) {
        return done(raft_node_read_index(p(), reinterpret_cast<const uint8_t *>(ctx.data()), ctx.size()));
    }
    [[nodiscard]] Result<raft_basic_status> basic_status() const {
        raft_basic_status st{};
        raft_status s = raft_node_basic_status(p_.get(), &st);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, nullptr);
        return st;
    }
    /// The node's own storage.
    [[nodiscard]] Result<StorageView> storage() {
        raft_storage *v = nullptr;
        raft_status s = raft_node_storage(p(), &v);
        if (s != RAFT_STATUS_OK) return detail::make_error(s, last_error());
        return StorageView(v);
    }
    /// Why the last mutating call failed, or "".
    const char *last_error() const noexcept { return raft_node_last_error(p_.get()); }

    raft_node *capi() noexcept { return p_.get(); }
    const raft_node *capi() const noexcept { return p_.get(); }
    [[nodiscard]] raft_node *release() noexcept { return p_.release(); }

  private:
    raft_node *p() noexcept { return p_.get(); }
    Result<void> done(raft_status s) { return detail::check(s, raft_node_last_error(p_.get())); }
    std::unique_ptr<raft_node, detail::NodeDeleter> p_;
};

}  // namespace raft

#endif  // RAFT_HPP
