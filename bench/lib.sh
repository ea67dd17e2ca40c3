# Helpers shared by the benchmark scripts (sourced after tests/lib.sh).
# A figure is a row "| figure | leadledger | baseline | ratio | target |"
# appended to $BENCH_ROWS and echoed to standard error as it is measured.
: "${BENCH_ROWS:?}"

now_ms() { date +%s%3N; }
row() {
	echo "| $1 | $2 | $3 | $4 | $5 |" >>"$BENCH_ROWS"
	printf '%-60s %14s %14s %8s   %s\n' "$1" "$2" "$3" "$4" "$5" >&2
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
per() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
