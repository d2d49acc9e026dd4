# shellcheck shell=bash
# The lab's overrides of warmgate's configuration for its size (sourced by
# scripts/lab.sh; not run alone). docs/lab.md "Protections in each mode,
# side by side" gives the rule and the reasons: every mode keeps its
# defaults for what polices relearning (what a user gets), and only table
# size limits are raised, so that size is not what a run measures.
#
# warmgate's table limits are dataplane.adjacency_capacity (the examples'
# 1048576, the default) and arp.max_per_interface (0: 15/16 of the capacity
# with several ports, 983040). Both hold the lab's 100k hosts ten times
# over, so up to 100k hosts nothing changes. Beyond (a benchmark with 1M
# hosts), the capacity grows to the next power of two that leaves the
# user-side interface room for every host.
#
# Not changed, on purpose (defaults, docs/config.md): the punt classes
# (resolve 10000/s burst 1000, arp_reply_to_us 2000/s burst 200, per worker
# and port), arp.requests_per_s 2000 (the pace of a relearning: one request
# per unresolved host), arp.learn_per_s 1000 and learn_per_source_per_s 50
# (they bound only entries that answer no request of ours), the hold of 3
# packets per next hop and 4096 in all, the 65536 resolutions in progress,
# and the retry timers (1 s, 3 requests, 5 s failed hold).

# lab_scale_warmgate FILE HOSTS: raise adjacency_capacity in a device's
# config when HOSTS would not fit under max_per_interface.
lab_scale_warmgate() {
  local file=$1 hosts=$2 cap need
  cap=$(sed -n 's/^  adjacency_capacity: *\([0-9]*\).*/\1/p' "$file")
  cap=${cap:-1048576}
  # max_per_interface = capacity - capacity/16; room for the hosts plus the
  # network side's few entries.
  need=$(((hosts + 1024) * 16 / 15 + 1))
  [ "$need" -le "$cap" ] && return 0
  while [ "$cap" -lt "$need" ]; do cap=$((cap * 2)); done
  if grep -q '^  adjacency_capacity:' "$file"; then
    sed -i "s/^  adjacency_capacity: *[0-9]*/  adjacency_capacity: $cap/" "$file"
  else
    sed -i "s/^dataplane:\$/dataplane:\n  adjacency_capacity: $cap/" "$file"
  fi
  echo "lab.sh: $hosts hosts: dataplane.adjacency_capacity raised to $cap in $(basename "$file")" >&2
}
