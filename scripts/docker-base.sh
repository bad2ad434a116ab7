#!/usr/bin/env bash
# Makes the Dockerfile's base image when no container registry answers: a Debian bookworm root file system
# (debootstrap, from Debian's package mirror) with Debian's python3.11 in a venv at /usr/local, so that
# `python` and `pip` are where the official python:3.11-slim has them, imported under that image's tag.
# Cached: does nothing when the tag already exists locally or a registry gives it.
# Usage: scripts/docker-base.sh [TAG]   (default python:3.11-slim)
set -euo pipefail
tag="${1:-python:3.11-slim}"
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "docker-base: $tag is already here"; exit 0
fi
if timeout 120 docker pull -q "$tag" >/dev/null 2>&1; then
  echo "docker-base: pulled $tag"; exit 0
fi
echo "docker-base: no registry gives $tag; making a stand-in with debootstrap"
if ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
root="$(mktemp -d /tmp/docker-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT
start=$SECONDS
log="$root.log"
trap 'rm -rf "$root" "$log"' EXIT
# Python goes in with apt inside the new root, not with debootstrap's --include (whose configuration order
# fails on python3.11-venv).
{ timeout 900 debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian \
  && timeout 600 chroot "$root" apt-get update -qq \
  && DEBIAN_FRONTEND=noninteractive timeout 600 chroot "$root" apt-get install -y -qq --no-install-recommends \
       python3.11 python3.11-venv ca-certificates; } >"$log" 2>&1 || { tail -20 "$log"; exit 1; }
# The certificates this machine trusts besides Debian's (a TLS-inspecting proxy's, say) go in too, so that pip
# inside a build reaches PyPI as the host does.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
chroot "$root" python3.11 -m venv /usr/local
chroot "$root" /usr/local/bin/python -m pip --version >/dev/null
# What a slim image leaves out: package caches and lists, documentation, manuals, translations.
rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
  "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/var/log/*
find "$root" -name __pycache__ -prune -exec rm -rf {} +
tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'ENV LANG=C.UTF-8' \
  -c 'CMD ["python3"]' -m "stand-in for $tag: debootstrap bookworm + Debian python3.11 venv at /usr/local" \
  - "$tag" >/dev/null
echo "docker-base: made $tag in $((SECONDS - start)) s ($(docker image inspect -f '{{.Size}}' "$tag") bytes)"
