#!/usr/bin/env bash
# rule_bench.sh — runs bench/rule_bench.c (rule parse + evaluate per second,
# AST bytes per rule, one device's rules and schedules against the
# 100,000-devices-per-GiB budget) so that `make bench` shows it.
# usage: bench/rule_bench.sh [BUILD_DIR] ; env SECONDS_PER_RULE (0.5)
set -eu
B=${1:-build}
[ -x "$B/rule_bench" ] || { echo "missing $B/rule_bench (build first)"; exit 1; }
"$B/rule_bench" "${SECONDS_PER_RULE:-0.5}"
