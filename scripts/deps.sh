#!/usr/bin/env bash
# Installs the Debian packages pprofd builds and tests with.
# Idempotent: prints nothing and exits 0 when everything is already there.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config clang-format curl time
  libuv1-dev libcurl4-openssl-dev libsqlite3-dev
  libprotobuf-c-dev protobuf-c-compiler zlib1g-dev libdeflate-dev
  libyaml-dev libmicrohttpd-dev libjansson-dev libsystemd-dev
  libcmocka-dev golang-go golang-github-google-pprof-dev sqlite3 libxml2-utils libre2-dev g++
  clang libclang-rt-14-dev chromium fonts-dejavu-core prometheus
)
# The UI's build needs node and npm: Debian's packages, unless a node that
# brings its own npm is already installed (NodeSource's nodejs does, and it
# conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
((${#missing[@]} == 0)) && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
