# Helpers the benchmark scripts share (sourced, not run). Needs KAFKA_BROKERS and a `psql`
# function that runs a statement against the benchmark database.
#
# Each step is timed on quiet servers: autovacuum of what the previous step wrote (it follows a
# rebuild by several seconds of CPU) is waited for, not measured into the next step; so is the
# test broker's background save after records are produced (noida-db rewrites its whole data file,
# ~10 s of one core per 650 MB — a Kafka broker appends to its log instead).

# CPU ticks the local broker has used so far.
broker_cpu() {
    local pid total=0
    for pid in $(pgrep -f "noida-db start.*--kafka-port ${KAFKA_BROKERS##*:}" || true); do
        for stat in /proc/"$pid"/task/*/stat; do total=$((total + $(awk '{print $14 + $15}' "$stat" 2>/dev/null || echo 0))); done
    done
    echo "$total"
}

# Waits (up to a few minutes each) for the broker's save and for autovacuum to finish.
settle_servers() {
    local before after
    for _ in $(seq 1 300); do
        before=$(broker_cpu); sleep 1; after=$(broker_cpu)
        [ "$((after - before))" -le 5 ] && break
    done
    for _ in $(seq 1 300); do
        [ "$(psql -c "select count(*) from pg_stat_activity where backend_type = 'autovacuum worker'")" = 0 ] && sleep 1 &&
            [ "$(psql -c "select count(*) from pg_stat_activity where backend_type = 'autovacuum worker'")" = 0 ] && return
        sleep 0.5
    done
}

# The usual name for it; a script that needs more before it (a checkpoint) defines its own.
settle() { settle_servers; }
