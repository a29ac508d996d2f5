#!/bin/sh
# Run each libFuzzer harness for SECONDS seconds over its committed corpus
# (fuzz/corpus/NAME: seeds plus every input that once crashed a reader).
# New interesting inputs go to a scratch copy, so the committed corpus only
# changes by hand. Any crash, hang (> 10 s per input), leak or sanitizer
# report fails the run and leaves the input in build/fuzz/findings/NAME.
#   sh fuzz/run.sh SECONDS build/fuzz/fuzz_npy [...]
set -u
seconds=$1
shift
status=0
for bin in "$@"; do
    name=$(basename "$bin" | sed 's/^fuzz_//')
    corpus=fuzz/corpus/$name
    scratch=build/fuzz/scratch/$name
    findings=build/fuzz/findings/$name
    rm -rf "$scratch" "$findings"
    mkdir -p "$scratch" "$findings" "$corpus"
    log=build/fuzz/$name.log
    echo "fuzz $name: ${seconds}s over $(ls "$corpus" | wc -l) corpus inputs"
    if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$findings/" "$scratch" "$corpus" >"$log" 2>&1; then
        grep -E '^stat::number_of_executed_units' "$log" | sed "s/^/  /"
    else
        echo "FAIL fuzz $name: finding in $findings (log: $log)"
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -n 8 | sed "s/^/  /"
        status=1
    fi
done
[ "$status" -eq 0 ] && echo "fuzz: all harnesses clean" || echo "fuzz: findings (see above)"
exit "$status"
