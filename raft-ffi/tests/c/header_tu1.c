/* raft.h included in two translation units of one program: any non-inline definition in the
 * header would make this fail to link. */
#include "raft.h"

int tu2_version_ok(void);

int main(void) {
    return (raft_version_number() == RAFT_VERSION_NUMBER && tu2_version_ok()) ? 0 : 1;
}
