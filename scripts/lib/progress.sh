# Sourced by scripts that run one long, otherwise silent step (a compile inside pip), so that a fresh machine does
# not look hung: run_with_progress NAME LOG COMMAND... runs COMMAND with its output in LOG, says every
# PROGRESS_EVERY seconds (default 30) how long it has run and LOG's last line, and ends with the time it took; when
# COMMAND fails, it shows LOG's last 40 lines and returns COMMAND's status.

run_with_progress() {
    local name=$1 log=$2
    shift 2
    local started=$SECONDS status=0
    # COMMAND runs in the foreground, so Ctrl-C reaches it and its children; the ticker is what runs beside it.
    progress_ticker "$name" "$log" "${PROGRESS_EVERY:-30}" "$$" "$started" &
    local ticker=$!
    "$@" > "$log" 2>&1 || status=$?
    kill "$ticker" 2>/dev/null
    wait "$ticker" 2>/dev/null || true
    if ((status != 0)); then
        tail -n 40 "$log" >&2
        echo "$name: failed after $(progress_duration $((SECONDS - started))) (exit $status; the whole output: $log)" >&2
        return "$status"
    fi
    echo "$name: done in $(progress_duration $((SECONDS - started)))" >&2
}

# progress_ticker NAME LOG EVERY OWNER STARTED: every EVERY seconds since STARTED (a $SECONDS reading, which a
# subshell shares), the time so far and LOG's last line. It stops by itself when OWNER (the script) has gone, however
# that ended.
progress_ticker() {
    local next=$(($5 + $3)) last
    while sleep 1 && kill -0 "$4" 2>/dev/null; do
        if ((SECONDS >= next)); then
            last=$(tail -n 1 "$2" 2>/dev/null | cut -c1-100)
            echo "$1: $(progress_duration $((SECONDS - $5))) so far${last:+ ($last)}" >&2
            next=$((next + $3))
        fi
    done
}

# progress_duration SECONDS: "42 s" or "3 min 05 s".
progress_duration() {
    if (($1 < 60)); then echo "$1 s"; else printf '%d min %02d s\n' $(($1 / 60)) $(($1 % 60)); fi
}
