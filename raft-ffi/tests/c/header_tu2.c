#include "raft.h"

int tu2_version_ok(void);

int tu2_version_ok(void) {
    return raft_status_str(RAFT_STATUS_OK)[0] != '\0';
}
