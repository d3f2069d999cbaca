#!/usr/bin/env bash
# Prepares a Debian host to run Sapora's compose stack without Docker: podman, runc,
# podman-compose and debootstrap from Debian, and a containers.conf that fits machines where
# crun cannot run (hybrid cgroups) and root cannot raise the hard open-file limit. Safe to run
# again: it installs only what is missing and rewrites only the file it wrote itself.
#
# A host whose Docker engine answers (with the compose plugin) needs none of podman; it only
# gets debootstrap (stand-in base images when no registry answers) and python3-yaml (for
# tools/compose/sapora-compose).
set -euo pipefail

readonly CONF=/etc/containers/containers.conf
readonly MARK='# Written by Sapora tools/compose/setup-host.sh'

say() { printf 'setup-host: %s\n' "$*"; }
die() { printf 'setup-host: %s\n' "$*" >&2; exit 1; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

if docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  say "a Docker engine with compose answers: podman is not needed"
  packages=(debootstrap python3-yaml)
else
  packages=(podman runc podman-compose debootstrap python3-yaml)
fi

missing=()
for package in "${packages[@]}"; do installed "$package" || missing+=("$package"); done
if ((${#missing[@]} > 0)); then
  ((EUID == 0)) || die "installing ${missing[*]} needs root (run: sudo $0)"
  # CI has already run apt-get update; only a host that has never fetched lists needs one here.
  if ! apt-cache policy "${missing[0]}" | grep -q 'Candidate: [0-9]'; then
    apt-get update -qq
  fi
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

installed podman || { say "ready (Docker)"; exit 0; }

# podman's own default limits (nofile 1048576) fail where the hard limit is lower
# ("setrlimit RLIMIT_NOFILE: Operation not permitted"); stay within this host's hard limits.
limit() { local hard=$1 wanted=$2; [[ $hard == unlimited || $hard -ge $wanted ]] && echo "$wanted" || echo "$hard"; }
nofile=$(limit "$(ulimit -Hn)" 20000)
nproc=$(limit "$(ulimit -Hu)" 32768)
wanted_conf="$MARK: runc (crun refuses hybrid cgroups) and
# container limits this host's hard limits allow. Rewritten when that script runs again.
[containers]
default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]

[engine]
runtime = \"runc\""

if [[ -f $CONF ]] && ! grep -qF "$MARK" "$CONF"; then
  if grep -q '^ *runtime *= *"runc"' "$CONF" && grep -q '^ *default_ulimits' "$CONF"; then
    say "$CONF exists (not ours) and sets runtime and default_ulimits: left alone"
  else
    die "$CONF exists and was not written by this script; add to it
  [containers] default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]
  [engine] runtime = \"runc\"
or move it away and run this again"
  fi
elif [[ ! -f $CONF ]] || [[ "$(cat "$CONF")" != "$wanted_conf" ]]; then
  ((EUID == 0)) || die "writing $CONF needs root (run: sudo $0)"
  mkdir -p "$(dirname "$CONF")"
  printf '%s\n' "$wanted_conf" >"$CONF"
  say "wrote $CONF (runtime runc, nofile $nofile, nproc $nproc)"
fi

podman --version
podman-compose version 2>/dev/null | grep -i 'podman-compose' || true
say "ready (podman)"
