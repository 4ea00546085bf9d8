#include "raft.hpp"

int tu_b_version_ok();

int tu_b_version_ok() {
    auto cfg = raft::Config::create(1);
    return cfg.ok() && cfg.value().validate().ok() ? 1 : 0;
}
