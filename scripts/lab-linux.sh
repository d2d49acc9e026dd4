# shellcheck shell=bash disable=SC2154  # $lab, $root: set by lab.sh
# The Linux baseline of the lab (sourced by scripts/lab.sh; not run alone):
# the same topology, but in wg-a / wg-b the kernel forwards between the
# user-side and network-side veths, with the devices' addresses, and Debian's
# keepalived runs VRRP as warmgate does:
#
#   vrid 1 on <d>-user, VIP 10.1.1.100, priority 120 (A) / 100 (B),
#          preempt delay 600 s (config/examples: preempt-mode timer delay 600)
#   vrid 2 on <d>-core, VIP 192.0.2.100, same priorities, on a macvlan with
#          the virtual MAC 00:00:5e:00:01:02 (use_vmac vrrp.2): the network
#          side sends to that MAC, as it does to warmgate's vrid 2
#   both in one vrrp_sync_group: the network side follows the user side,
#          the role of warmgate's track_admin.
#   VRRPv2, advert_int 1 (the seed's timers); `lab.sh up --fast`: VRRPv3
#          (vrrp_version 3) with advert_int 0.1, as warmgate's --fast.
#
# No VRRP authentication: keepalived has no md5 mode (the seed's RBP key is
# a vendor extension), and warmgate-nosync runs without it too.
#
# A failure (`lab.sh stop a --kill`) must look like warmgate's kill -9: the
# process is gone and nothing forwards, but the links stay up, so the
# network-side bridge keeps sending to the dead device until the new
# Master's gratuitous ARP moves the virtual MAC. Killing keepalived alone
# leaves the VIPs on the interfaces and the kernel forwarding, so the lab
# also turns forwarding and ARP off in wg-a (docs/lab.md has the reasoning,
# and why not `ip link set down`: the bridge would flush the port and flood
# the virtual MAC's frames to Device B, which forwards them while Backup).
#
# Uses from lab.sh: $lab, $root, nsx, die, lab_advert_ms; sets nothing global.

# The kernel's ARP table is one table for every namespace of the machine:
# one entry count, bounded by gc_thresh1..3 (net.ipv4.neigh.default.*). On
# current kernels (checked on 6.18) those three exist only in the init
# namespace (a child namespace has no neigh/default directory at all), and
# entries of every namespace count against them (600 entries in one
# namespace left room for only 424 in another at gc_thresh3 = 1024). Past
# gc_thresh3 resolving a host fails ("neighbour table overflow"), so the
# baseline would drop for a reason that is not the failover. The lab raises
# the three for the run (linux_neigh_raise) and restores them on `down`
# (linux_neigh_restore). Everything else stays the kernel's default and is
# recorded (linux_neigh_record): the per-neighbour queue (unres_qlen_bytes),
# the solicitations and their interval. A new interface copies those from
# the init namespace's net.ipv4.neigh.default.* when it is created, so the
# devices' veths carry the machine's defaults.
linux_hosts_max=100000
linux_check_hosts() { # linux_check_hosts N
  [ "$1" -ge 1 ] && [ "$1" -le "$linux_hosts_max" ] || die "--hosts must be 1..$linux_hosts_max in linux mode"
  [ -w /proc/sys/net/ipv4/neigh/default/gc_thresh3 ] && return 0
  echo "lab.sh: warning: net.ipv4.neigh.default.gc_thresh3 is not writable here (not the init network" \
       "namespace?): the neighbour table keeps the machine's limit of" \
       "$(sysctl -n net.ipv4.neigh.default.gc_thresh3 2>/dev/null || echo '?') entries" >&2
}

# The saved thresholds, in two lines: the machine's values before the run,
# then the values the run set. They are kept in LAB_DIR/neigh-saved and,
# because the limit is the machine's, in /run/wg-lab-neigh-saved, which
# lives exactly as long as the raised values (both go on a reboot): a
# `down` from any LAB_DIR restores what an aborted run left raised.
# A restore happens only while the values are still the ones the run set;
# if someone changed them since, they are left alone.
linux_neigh_saved_global=/run/wg-lab-neigh-saved
linux_neigh_keys=(gc_thresh1 gc_thresh2 gc_thresh3)

linux_neigh_now() { # "T1 T2 T3"
  local k vals=()
  for k in "${linux_neigh_keys[@]}"; do vals+=("$(sysctl -n "net.ipv4.neigh.default.$k")"); done
  echo "${vals[*]}"
}

linux_neigh_raise() { # linux_neigh_raise HOSTS: raise gc_thresh1..3 for the run, save the old values
  local hosts=$1 need saved='' k i v
  [ -w /proc/sys/net/ipv4/neigh/default/gc_thresh3 ] || return 0
  # Both devices' kernels may hold every host at once (the kill's `arp off`
  # flushes Device A's entries, an orderly stop leaves them), plus the other
  # namespaces and the machine's own: 2 x hosts + 1024. gc_thresh1 at that
  # size: the periodic GC leaves the table alone; 2x and 4x above it: the
  # forced GC never runs.
  need=$((2 * hosts + 1024))
  # A run that never reached `down` left raised values: the machine's own
  # are the ones it saved.
  [ -s "$linux_neigh_saved_global" ] && saved=$(sed -n 1p "$linux_neigh_saved_global")
  [ -n "$saved" ] || saved=$(linux_neigh_now)
  i=0
  for k in "${linux_neigh_keys[@]}"; do
    v=$((need << i))
    # Never lower a limit the machine already has higher.
    [ "$(sysctl -n "net.ipv4.neigh.default.$k")" -ge "$v" ] || sysctl -qw "net.ipv4.neigh.default.$k=$v"
    i=$((i + 1))
  done
  printf '%s\n%s\n' "$saved" "$(linux_neigh_now)" > "$lab/neigh-saved"
  cp "$lab/neigh-saved" "$linux_neigh_saved_global"
}

linux_neigh_restore() { # linux_neigh_restore: gc_thresh1..3 back to the saved values
  local f k i=0 vals
  for f in "$linux_neigh_saved_global" "$lab/neigh-saved"; do
    [ -s "$f" ] || continue
    if [ "$(linux_neigh_now)" = "$(sed -n 2p "$f")" ]; then
      read -r -a vals <<< "$(sed -n 1p "$f")"
      for k in "${linux_neigh_keys[@]}"; do
        [[ "${vals[$i]:-}" =~ ^[0-9]+$ ]] && sysctl -qw "net.ipv4.neigh.default.$k=${vals[$i]}"
        i=$((i + 1))
      done
    fi
    break
  done
  rm -f "$lab/neigh-saved" "$linux_neigh_saved_global"
}

# The neighbour cache's counters, summed over CPUs (/proc/net/stat/arp_cache,
# hex columns; machine-wide like the table): "name value" per line.
# unresolved_discards: packets dropped because a neighbour's queue
# (unres_qlen_bytes) was full; table_fulls: allocations refused at gc_thresh3.
linux_neigh_stats() {
  local -a names sums row
  local i line n=0
  [ -r /proc/net/stat/arp_cache ] || return 0
  while read -r line; do
    read -r -a row <<< "$line"
    if [ $n = 0 ]; then names=("${row[@]}"); n=1; continue; fi
    for i in "${!row[@]}"; do
      # entries (the first column) is the table's, the same on every row.
      if [ "$i" = 0 ]; then sums[0]=$((16#${row[0]})); else sums[i]=$((${sums[i]:-0} + 16#${row[i]})); fi
    done
  done < /proc/net/stat/arp_cache
  for i in "${!names[@]}"; do echo "${names[i]} ${sums[i]:-0}"; done
}

# Records, in $lab/linux-neigh.json, the neighbour settings the run uses:
# gc_thresh1..3 (raised, and the saved values), the user-side veths' own
# values (the kernel's defaults: queue, solicitations, timers) and the
# cache counters at `up`. lab.sh up prints a summary line.
linux_neigh_record() {
  local d k v first out=$lab/linux-neigh.json
  local per_if=(unres_qlen unres_qlen_bytes mcast_solicit mcast_resolicit ucast_solicit app_solicit
                retrans_time_ms base_reachable_time_ms delay_first_probe_time gc_stale_time locktime)
  {
    printf '{\n  "kernel": "%s",\n' "$(uname -r)"
    printf '  "scope": "gc_thresh1..3 and gc_interval: one table for every namespace, set in the init namespace; the per-interface values: copied from the init namespace defaults when the interface was created",\n'
    printf '  "gc_thresh": [%s, %s, %s],\n' "$(sysctl -n net.ipv4.neigh.default.gc_thresh1)" \
      "$(sysctl -n net.ipv4.neigh.default.gc_thresh2)" "$(sysctl -n net.ipv4.neigh.default.gc_thresh3)"
    printf '  "gc_thresh_saved": [%s],\n' "$(sed -n '1{s/ *$//; s/ \{1,\}/, /g; p}' "$lab/neigh-saved" 2>/dev/null)"
    printf '  "gc_interval": %s,\n' "$(sysctl -n net.ipv4.neigh.default.gc_interval 2>/dev/null || echo null)"
    for d in a b; do
      printf '  "%s-user": {' "$d"
      first=1
      for k in "${per_if[@]}"; do
        v=$(nsx "wg-$d" cat "/proc/sys/net/ipv4/neigh/$d-user/$k" 2>/dev/null || echo null)
        [ $first = 1 ] || printf ', '
        printf '"%s": %s' "$k" "$v"
        first=0
      done
      # Which ARP creates entries (0: unsolicited replies and gratuitous ARP do not).
      printf ', "arp_accept": %s' "$(nsx "wg-$d" cat "/proc/sys/net/ipv4/conf/$d-user/arp_accept" 2>/dev/null || echo null)"
      printf '},\n'
    done
    printf '  "stats_at_up": {'
    linux_neigh_stats | awk '{ printf "%s\"%s\": %s", (NR > 1 ? ", " : ""), $1, $2 }'
    printf '}\n}\n'
  } > "$out"
  printf 'lab.sh: linux neighbour table: gc_thresh1..3 %s %s %s for the run (restored by down: %s); ' \
    "$(sysctl -n net.ipv4.neigh.default.gc_thresh1)" "$(sysctl -n net.ipv4.neigh.default.gc_thresh2)" \
    "$(sysctl -n net.ipv4.neigh.default.gc_thresh3)" "$(sed -n 1p "$lab/neigh-saved" 2>/dev/null)"
  printf 'a-user: unres_qlen_bytes %s (unres_qlen %s), mcast_solicit %s, retrans_time_ms %s (all in %s)\n' \
    "$(nsx wg-a cat /proc/sys/net/ipv4/neigh/a-user/unres_qlen_bytes)" "$(nsx wg-a cat /proc/sys/net/ipv4/neigh/a-user/unres_qlen)" \
    "$(nsx wg-a cat /proc/sys/net/ipv4/neigh/a-user/mcast_solicit)" "$(nsx wg-a cat /proc/sys/net/ipv4/neigh/a-user/retrans_time_ms)" "$out"
}

linux_prio() { [ "$1" = a ] && echo 120 || echo 100; }

linux_config() { # linux_config a|b: keepalived config, notify script, interfaces
  local d=$1 n name prio version=2 advert_s=1
  n=$([ "$d" = a ] && echo 1 || echo 2)
  # lab.sh up --fast: VRRPv3 (the only version keepalived accepts a
  # fractional advert_int for; RFC 5798 §5.2.7 counts centiseconds).
  if [ "$(lab_advert_ms)" != 1000 ]; then
    version=3
    advert_s=$(printf '%d.%02d' $(($(lab_advert_ms) / 1000)) $(($(lab_advert_ms) % 1000 / 10)))
  fi
  name=Device${d^^}
  prio=$(linux_prio "$d")
  # The notify script: the demo's master mark first (LAB_NOTIFY_MASTER, the
  # same hook as warmgate's notify), then the state for `lab.sh state`.
  # keepalived calls it as: GROUP NAME STATE.
  {
    echo '#!/bin/sh'
    if [ -n "${LAB_NOTIFY_MASTER:-}" ]; then
      printf '[ "$3" = MASTER ] && %s%s >/dev/null 2>&1\n' "$LAB_NOTIFY_MASTER" "$name"
    fi
    printf 'echo "$3" | tr A-Z a-z > %s/%s.state\n' "$lab" "$d"
  } > "$lab/notify-$d.sh"
  chmod 0755 "$lab/notify-$d.sh"
  cat > "$lab/keepalived-$d.conf" <<EOF
# Generated by scripts/lab.sh up --mode linux: $name of the Linux baseline.
global_defs {
    router_id $name
    script_user root
    vrrp_version $version
}
vrrp_sync_group gateway {
    group {
        user_side
        network_side
    }
    notify "$lab/notify-$d.sh"
}
vrrp_instance user_side {
    state BACKUP
    interface $d-user
    virtual_router_id 1
    priority $prio
    advert_int $advert_s
    preempt_delay 600
    virtual_ipaddress {
        10.1.1.100
    }
}
vrrp_instance network_side {
    state BACKUP
    interface $d-core
    virtual_router_id 2
    priority $prio
    advert_int $advert_s
    preempt_delay 600
    use_vmac vrrp.2
    virtual_ipaddress {
        192.0.2.100
    }
}
EOF
  # The lab's user subnet, as warmgate's (lab.sh device_config): a /14
  # holds the 100k hosts from 10.1.1.101 on.
  nsx "wg-$d" ip addr add "10.1.1.$n/14" dev "$d-user"
  nsx "wg-$d" ip addr add "192.0.2.$n/24" dev "$d-core"
  nsx "wg-$d" ip route add default via 192.0.2.254
  # Strict reverse-path filtering would drop the downlink: it arrives on
  # vrrp.2 while the route back to its source leaves through <d>-core.
  nsx "wg-$d" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

# Forwarding and ARP on (start) or off (a failed device).
linux_forwarding() { # linux_forwarding a|b 1|0
  local d=$1 on=$2 i
  nsx "wg-$d" sysctl -qw net.ipv4.ip_forward="$on"
  for i in "$d-user" "$d-core" vrrp.2; do
    nsx "wg-$d" ip link show "$i" >/dev/null 2>&1 || continue
    nsx "wg-$d" ip link set "$i" arp "$([ "$on" = 1 ] && echo on || echo off)"
  done
}

linux_running() { [ -f "$lab/$1.pid" ] && kill -0 "$(cat "$lab/$1.pid")" 2>/dev/null; }

linux_start() { # linux_start a|b
  local d=$1
  command -v keepalived >/dev/null || die "keepalived is not installed (scripts/setup.sh)"
  if linux_running "$d"; then echo "lab.sh: Device${d^^} already running"; return 0; fi
  # A restart after a failure: what the dead keepalived left behind goes.
  nsx "wg-$d" ip link del vrrp.2 2>/dev/null || true
  nsx "wg-$d" ip addr del 10.1.1.100/32 dev "$d-user" 2>/dev/null || true
  linux_forwarding "$d" 1
  echo init > "$lab/$d.state"
  rm -f "$lab/$d.pid" "$lab/ka-$d.pid" "$lab/ka-$d-vrrp.pid"
  # `ip netns exec` forks: the shell records its own pid, then becomes
  # keepalived (in the foreground, its VRRP child's pid in ka-<d>-vrrp.pid).
  nsx "wg-$d" sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$lab/$d.pid" \
      keepalived --dont-fork --log-console --log-detail --no-syslog --vrrp \
      -f "$lab/keepalived-$d.conf" -p "$lab/ka-$d.pid" -r "$lab/ka-$d-vrrp.pid" > "$lab/$d.log" 2>&1 &
  for _ in $(seq 100); do
    [ -s "$lab/ka-$d-vrrp.pid" ] && return 0
    [ -s "$lab/$d.pid" ] && ! kill -0 "$(cat "$lab/$d.pid")" 2>/dev/null && { cat "$lab/$d.log" >&2; die "keepalived of Device${d^^} exited"; }
    sleep 0.1
  done
  die "keepalived of Device${d^^} did not start its VRRP process"
}

# The pid in FILE if it is a keepalived started with our config (pid reuse).
linux_pid_of() { # linux_pid_of FILE CONF
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -q "keepalived.*$2" || return 1
  echo "$pid"
}

linux_stop() { # linux_stop a|b [--kill]
  local d=$1 conf=$lab/keepalived-$1.conf parent child
  parent=$(linux_pid_of "$lab/$d.pid" "$conf" || true)
  child=$(linux_pid_of "$lab/ka-$d-vrrp.pid" "$conf" || true)
  if [ "${2:-}" = --kill ]; then
    # The device fails: forwarding and ARP off at once (links stay up), then
    # keepalived dies without a word (the parent first, so that it cannot
    # restart its VRRP child; no priority-0 advert from either).
    linux_forwarding "$d" 0
    echo failed > "$lab/$d.state"
    [ -n "$parent" ] && kill -KILL "$parent" 2>/dev/null || true
    [ -n "$child" ] && kill -KILL "$child" 2>/dev/null || true
  else
    # Orderly stop: keepalived sends priority 0 and removes its VIPs and vmac.
    [ -n "$parent" ] && kill -TERM "$parent" 2>/dev/null || true
  fi
  for _ in $(seq 50); do
    { [ -n "$parent" ] && kill -0 "$parent" 2>/dev/null; } ||
      { [ -n "$child" ] && kill -0 "$child" 2>/dev/null; } || break
    sleep 0.1
  done
  for p in $parent $child; do
    tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline" | grep -q "keepalived.*$conf" && kill -KILL "$p" 2>/dev/null || true
  done
  [ "${2:-}" = --kill ] || echo stopped > "$lab/$d.state"
  rm -f "$lab/$d.pid" "$lab/ka-$d.pid" "$lab/ka-$d-vrrp.pid"
  return 0
}

linux_status() { # linux_status a|b
  local d=$1
  if linux_running "$d"; then
    echo "== Device${d^^} (keepalived pid $(cat "$lab/$d.pid")): $(cat "$lab/$d.state" 2>/dev/null)"
    nsx "wg-$d" ip -br addr show | grep -E '10\.1\.1\.100|192\.0\.2\.100' || true
  else
    echo "== Device${d^^}: not running ($(cat "$lab/$d.state" 2>/dev/null || echo -))"
  fi
}
