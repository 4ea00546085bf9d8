// raft.hpp in two translation units of one program: a non-inline definition in the header
// would break the link.
#include "raft.hpp"

int tu_b_version_ok();

int main() { return (raft::version_number() == RAFT_VERSION_NUMBER && tu_b_version_ok()) ? 0 : 1; }
