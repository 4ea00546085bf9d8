#!/bin/sh
# Checks the dynamic symbol table of libraft.so:
#   1. it has the soname libraft.so.0;
#   2. every exported (defined, global) symbol starts with raft_;
#   3. none of them is a name Debian's unrelated libraft (canonical/raft) exports, so both
#      libraries can never satisfy each other's symbols by accident;
#   4. the functions C programs depend on are there.
# Usage: check-symbols.sh path/to/libraft.so canonical-raft-exports.txt
set -eu
lib=$1
canon=$2

fail=0
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" != "libraft.so.0" ]; then
    echo "FAIL: soname is '$soname', want libraft.so.0"; fail=1
fi

exports=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRBVWiu]$/ {print $3}' | sort -u)
count=$(printf '%s\n' "$exports" | grep -c . || true)
if [ "$count" -lt 50 ]; then
    echo "FAIL: only $count exported symbols; is this the right library?"; fail=1
fi

bad_prefix=$(printf '%s\n' "$exports" | grep -v '^raft_' || true)
if [ -n "$bad_prefix" ]; then
    echo "FAIL: exported symbols without the raft_ prefix:"; printf '  %s\n' $bad_prefix; fail=1
fi

canon_names=$(grep -v '^#' "$canon" | sort -u)
canon_count=$(printf '%s\n' "$canon_names" | grep -c . || true)
if [ "$canon_count" -lt 50 ]; then
    echo "FAIL: $canon lists only $canon_count names"; fail=1
fi
clash=$(printf '%s\n%s\n' "$exports" "$canon_names" | sort | uniq -d)
if [ -n "$clash" ]; then
    echo "FAIL: exports names that canonical/raft's libraft also exports:"; printf '  %s\n' $clash; fail=1
fi

for f in raft_version_number raft_status_str raft_node_new raft_node_step raft_ready_free raft_bytes_free; do
    printf '%s\n' "$exports" | grep -qx "$f" || { echo "FAIL: $f is not exported"; fail=1; }
done

if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "symbols: $count exported, all raft_*, none of canonical/raft's $canon_count; soname $soname"
