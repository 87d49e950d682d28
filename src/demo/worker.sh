#!/usr/bin/env bash
# looop demo worker: a SCRIPTED stand-in for an agent CLI, not an AI.
# It follows the worker contract: claim a lease, flag with a question and
# wait, unflag when answered, write a report, report spend, release the
# lease, and end its own session with `looop kill`.
set -u
say() { printf '[demo worker] %s\n' "$*"; }

say "hello, I am $LOOOP_SESSION_ID; my prompt is in $1"
"$LOOOP_BIN" claim hello-report || { say "someone else holds the lease; stopping"; exit 1; }
say "took the lease 'hello-report'"
for step in 1 2 3; do
    say "working... step $step/3"
    sleep 0.2
done
"$LOOOP_BIN" flag "$LOOOP_SESSION_ID" "Shall I sign the report as 'the demo'? (yes/no)"
say "flagged: waiting for a human to answer (looop send / looop attach)"
read -r answer
"$LOOOP_BIN" unflag "$LOOOP_SESSION_ID"
say "the human answered: $answer"
{
    printf '# hello\n\nA report written by the looop demo worker.\n\n'
    printf 'The human was asked one question and answered: %s\n' "$answer"
} > "$LOOOP_DATA_DIR/reports/hello.md"
say "wrote reports/hello.md"
"$LOOOP_BIN" _cost session "$LOOOP_SESSION_ID" demo 0.0042
say "reported \$0.0042 of spend to the ledger"
"$LOOOP_BIN" unclaim hello-report
say "released the lease; ending my session"
exec "$LOOOP_BIN" kill "$LOOOP_SESSION_ID"
