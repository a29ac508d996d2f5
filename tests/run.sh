#!/bin/sh
# Run each test program given, show its output, and end with the line CI
# reads: "N passed, N failed". A program that crashes, or exits non-zero
# without reporting a failure, counts as one more failure.
passed=0
failed=0
for t in "$@"; do
    # A hang is a failure, not a stalled CI: each program gets 10 minutes.
    out=$(timeout 600 "$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -v '^RESULT '
    line=$(printf '%s\n' "$out" | grep '^RESULT ' | tail -n 1)
    p=$(echo "$line" | awk '{print $3}')
    f=$(echo "$line" | awk '{print $4}')
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ -z "$line" ] || { [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
        echo "FAIL $t exited with status $rc"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
