# Attribution figures (design.md, "Attribution figures"): new and repeat
# customers, estimates, cancellations, both touch models, against the
# Housecall Pro simulator's own computation (/_sim/attribution); spend,
# its proration and the ratios against figures computed here in Python
# from the contract's definitions.
. "$LL_ROOT/tests/integration/harness.sh"

setup_site --dataset small --seed 3
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "backfill of the small data set"

# The figures the simulator computes, for one window and model, as
# leadledger's JSON shape reduced to the same keys.
KEYS='jobs, revenue_cents, new_customer_jobs, new_customer_revenue_cents, repeat_customers, canceled_jobs, estimates_given, estimates_won'
attribution_matches() { # FROM TO MODEL DESCRIPTION
	local got want
	got=$("${LL[@]}" report --site acme --from "$1" --to "$2" --model "$3" --format json 2>>"$WORK/ll.log" |
		jq -cS "{model, cats: ([.categories[] | {(.category): {$KEYS}}] | add), total: (.total | {$KEYS})}")
	want=$(sim_get "/_sim/attribution?from=$1&to=$2&tz=America/Chicago&model=$3" |
		jq -cS "{model, cats: (.categories | map_values({$KEYS})), total: (.total | {$KEYS})}")
	if [ -n "$got" ] && [ "$got" = "$want" ]; then
		ok 0 "$4 ($3 touch): $1..$2 equals the simulator's figures"
	else
		ok 1 "$4 ($3 touch): $1..$2 differs: got $got want $want"
	fi
}

read -r FROM TO < <("${LL[@]}" report --site acme --days 30 --format json | jq -r '"\(.from) \(.to)"')
for model in last first; do
	attribution_matches "$FROM" "$TO" $model "last 30 days"
	attribution_matches 2025-03-09 2025-03-09 $model "spring-forward DST day"
	attribution_matches 2025-11-02 2025-11-02 $model "fall-back DST day"
	attribution_matches 2025-10-15 2025-11-14 $model "a window cutting two months"
	attribution_matches 2024-06-01 2024-06-30 $model "a past month"
	attribution_matches 2019-01-01 2027-12-31 $model "all time"
done

# What those comparisons cover, so they cannot pass on empty data.
R30=$("${LL[@]}" report --site acme --days 30 --format json)
ge "$(echo "$R30" | jq '.total.canceled_jobs')" 1 "the 30-day window has canceled jobs"
R365=$("${LL[@]}" report --site acme --from 2024-06-01 --to 2024-06-30 --format json)
ge "$(echo "$R365" | jq '.total.estimates_won')" 1 "June 2024 has estimates won"
ge "$(echo "$R365" | jq '.total.estimates_given - .total.estimates_won')" 1 "... and estimates not won"
ge "$(echo "$R30" | jq '.total.new_customer_jobs')" 1 "the 30-day window has new-customer jobs"
ge "$(sql "SELECT count(*) FROM jobs j WHERE j.status_class = 1 AND NOT j.deleted
       AND j.resolved_at >= ('$FROM'::date)::timestamp AT TIME ZONE 'America/Chicago'
       AND EXISTS (SELECT 1 FROM jobs e WHERE e.integration_id = j.integration_id
                   AND e.customer_external_id = j.customer_external_id AND e.status_class = 1
                   AND NOT e.deleted AND e.resolved_at < ('$FROM'::date)::timestamp AT TIME ZONE 'America/Chicago')")" 1 \
	"the 30-day window has jobs of customers whose first job is older"
eq "$(echo "$R30" | jq '.total.repeat_jobs == .total.jobs - .total.new_customer_jobs and .total.repeat_revenue_cents == .total.revenue_cents - .total.new_customer_revenue_cents')" \
	true "repeat = all - new, jobs and revenue"
eq "$(echo "$R30" | jq '.model')" '"last"' "the model is last without --model"
ALL_LAST=$("${LL[@]}" report --site acme --from 2019-01-01 --to 2027-12-31 --format json)
ALL_FIRST=$("${LL[@]}" report --site acme --from 2019-01-01 --to 2027-12-31 --model first --format json)
eq "$(echo "$ALL_FIRST" | jq -c '.total | [.jobs, .revenue_cents, .new_customer_jobs, .canceled_jobs]')" \
	"$(echo "$ALL_LAST" | jq -c '.total | [.jobs, .revenue_cents, .new_customer_jobs, .canceled_jobs]')" \
	"first and last touch: the same grand total"
eq "$(jq -n --argjson a "$ALL_LAST" --argjson b "$ALL_FIRST" \
	'[$a.categories[] | {(.category): .revenue_cents}] | add != ([$b.categories[] | {(.category): .revenue_cents}] | add)')" \
	true "first and last touch: different channel totals"

# Spend: set, import, proration over a window that cuts two months.
"${LL[@]}" spend set --site acme --channel google --month 2025-10 --amount 1500.00 >"$WORK/spend.out" 2>>"$WORK/ll.log"
ok $? "spend set"
check "spend set reports one changed row" grep -q "1 row, 1 changed" "$WORK/spend.out"
cat >"$WORK/spend.csv" <<'CSV'
month,channel,amount
2025-10,website,310.00
2025-11,google,900
2025-11,website,0.01
2025-11,social,45.5
2019-01,direct,100.00
CSV
"${LL[@]}" spend import --site acme "$WORK/spend.csv" >"$WORK/import.out" 2>>"$WORK/ll.log"
ok $? "spend import"
check "import applied five rows" grep -q "5 rows, 5 changed" "$WORK/import.out"
"${LL[@]}" spend import --site acme "$WORK/spend.csv" >"$WORK/import2.out" 2>>"$WORK/ll.log"
check "re-importing the same file changes nothing" grep -q "5 rows, 0 changed" "$WORK/import2.out"
BEFORE=$(sql "SELECT string_agg(channel || month || amount_cents, ',' ORDER BY month, channel) FROM spend")
for bad in "2025-13,google,1.00" "2025-12,gogle,1.00" "2025-12,google,-5" "2025-12,google,1.005" "2025-12,google" \
	"2025-12,google,1e3" "2025-12,google,1,000.00" "12/2025,google,1.00" "2025-12,google,\$5"; do
	printf 'month,channel,amount\n2025-12,website,999.00\n%s\n' "$bad" >"$WORK/bad.csv"
	"${LL[@]}" spend import --site acme "$WORK/bad.csv" >/dev/null 2>"$WORK/bad.err"
	eq "$?" 1 "a bad row ($bad) fails the import"
	check "the error names line 3 ($bad)" grep -q "bad.csv: line 3:" "$WORK/bad.err"
done
printf 'month,channel,amount\n2025-12,website,1.00\n2025-12,website,2.00\n' >"$WORK/dup.csv"
"${LL[@]}" spend import --site acme "$WORK/dup.csv" >/dev/null 2>"$WORK/dup.err"
eq "$?" 1 "a month and channel twice in one file fails"
check "... naming both lines" grep -q "line 3: 2025-12 website was already given on line 2" "$WORK/dup.err"
eq "$(sql "SELECT string_agg(channel || month || amount_cents, ',' ORDER BY month, channel) FROM spend")" "$BEFORE" \
	"failed imports applied nothing"
printf 'mon,channel,amount\n' >"$WORK/hdr.csv"
"${LL[@]}" spend import --site acme "$WORK/hdr.csv" >/dev/null 2>&1
eq "$?" 1 "a wrong header fails"
"${LL[@]}" spend set --site nosuch --channel google --month 2025-10 --amount 1 >/dev/null 2>&1
eq "$?" 2 "spend for an unknown site is refused"
"${LL[@]}" spend set --site acme --channel google --month 2025-10 --amount 1.234 >/dev/null 2>&1
eq "$?" 2 "spend set refuses three decimals"
eq "$("${LL[@]}" spend list --site acme --format json | jq -c '[.[] | [.month, .channel, .amount_cents]]')" \
	'[["2019-01","direct",10000],["2025-10","google",150000],["2025-10","website",31000],["2025-11","google",90000],["2025-11","social",4550],["2025-11","website",1]]' \
	"spend list"
eq "$("${LL[@]}" spend list --format csv | head -1)" "site,month,channel,source,amount_cents" "spend list csv header"

# The window 2025-10-15 .. 2025-11-14 covers 17 of October's 31 days and
# 14 of November's 30; the previous window is 2025-09-14 .. 2025-10-14
# (14 of October's days).  Expected figures from the contract, in Python.
W=$("${LL[@]}" report --site acme --from 2025-10-15 --to 2025-11-14 --format json)
echo "$W" >"$WORK/window.json"
python3 - "$WORK/window.json" >"$WORK/expected.txt" <<'PY'
import json, sys
from fractions import Fraction as F
r = json.load(open(sys.argv[1]))
def rnd(q):  # half away from zero
    q = F(q); s = -1 if q < 0 else 1; q = abs(q)
    n = q.numerator * 2 + q.denominator
    return s * (n // (2 * q.denominator))
def ratio(a, b):
    if b == 0: return None
    h = rnd(F(a * 100, b)); s = '-' if h < 0 else ''; h = abs(h)
    return '%s%d.%02d' % (s, h // 100, h % 100)
def quot(a, b): return None if b == 0 else rnd(F(a, b))
spend = {'google': (150000, 17, 31, 90000, 14, 30), 'website': (31000, 17, 31, 1, 14, 30),
         'social': (0, 0, 31, 4550, 14, 30)}
prev = {'google': (150000, 14, 31), 'website': (31000, 14, 31)}
bad = []
tot = 0
for c in r['categories'] + [r['total']]:
    name = c.get('category', 'total')
    if name in spend:
        a, d1, m1, b, d2, m2 = spend[name]
        s = rnd(F(a * d1, m1)) + rnd(F(b * d2, m2))
    elif name == 'total':
        s = tot
    else:
        s = 0
    if name != 'total': tot += s
    ps = sum(rnd(F(a * d, m)) for k, (a, d, m) in prev.items() if name in (k, 'total'))
    want = {
        'spend_cents': s, 'avg_ticket_cents': quot(c['revenue_cents'], c['jobs']),
        'close_rate': ratio(c['estimates_won'], c['estimates_given']),
        'cancel_rate': ratio(c['canceled_jobs'], c['jobs'] + c['canceled_jobs']),
        'cost_per_job_cents': quot(s, c['jobs']),
        'cost_per_new_customer_cents': quot(s, c['new_customer_jobs']),
        'roas': ratio(c['revenue_cents'], s), 'spend_without_jobs': s > 0 and c['jobs'] == 0,
    }
    for k, v in want.items():
        if c[k] != v: bad.append('%s.%s: got %r want %r' % (name, k, c[k], v))
    if c['previous']['spend_cents'] != ps:
        bad.append('%s.previous.spend_cents: got %r want %r' % (name, c['previous']['spend_cents'], ps))
    if c['previous']['from'] != '2025-09-14' or c['previous']['to'] != '2025-10-14':
        bad.append('%s.previous window %s..%s' % (name, c['previous']['from'], c['previous']['to']))
print('\n'.join(bad) if bad else 'ok')
PY
eq "$(cat "$WORK/expected.txt")" ok "spend prorated by days, ratios and nulls as the contract defines them"
eq "$(echo "$W" | jq '.categories[] | select(.category == "google") | .spend_cents')" \
	$(( (150000 * 17 * 2 + 31) / 62 + (90000 * 14 * 2 + 30) / 60 )) "google spend over two cut months"
PREV=$("${LL[@]}" report --site acme --from 2025-09-14 --to 2025-10-14 --format json)
eq "$(echo "$W" | jq -cS '[.categories[] | {(.category): [.previous.jobs, .previous.revenue_cents, .previous.new_customer_jobs]}] | add')" \
	"$(echo "$PREV" | jq -cS '[.categories[] | {(.category): [.jobs, .revenue_cents, .new_customer_jobs]}] | add')" \
	"previous: the figures of the window just before"
OLD=$("${LL[@]}" report --site acme --from 2019-01-01 --to 2019-01-31 --format json)
eq "$(echo "$OLD" | jq -c '.categories[] | select(.category == "direct") | [.spend_cents, .jobs, .spend_without_jobs, .cost_per_job_cents, .roas, .avg_ticket_cents]')" \
	'[10000,0,true,null,"0.00",null]' "spend without jobs: flagged; cost per job null, never 0 or infinite"
eq "$(echo "$OLD" | jq -c '.categories[] | select(.category == "google") | [.spend_cents, .roas, .close_rate, .cancel_rate]')" \
	'[0,null,null,null]' "no spend: ROAS null"

# CSV and table carry the same figures.
CSV=$("${LL[@]}" report --site acme --from 2025-10-15 --to 2025-11-14 --format csv)
eq "$(echo "$CSV" | head -1 | cut -d, -f1-4)" "category,jobs,revenue_cents,revenue" "csv keeps its first four columns"
eq "$(echo "$CSV" | head -1 | tr ',' '\n' | wc -l)" 25 "csv: 25 columns"
eq "$(echo "$CSV" | awk -F, -v h="$(echo "$CSV" | head -1)" 'BEGIN { n = split(h, k, ",") } $1 == "google" { for (i = 1; i <= n; i++) if (k[i] == "spend_cents" || k[i] == "roas") printf "%s ", $i }')" \
	"$(echo "$W" | jq -r '.categories[] | select(.category == "google") | "\(.spend_cents) \(.roas // "") "')" "csv google spend and ROAS equal the JSON"
"${LL[@]}" report --site acme --from 2025-10-15 --to 2025-11-14 >"$WORK/table.txt" 2>>"$WORK/ll.log"
check "table: new and repeat section" grep -q "^new and repeat customers, estimates, cancellations (last touch)" "$WORK/table.txt"
check "table: spend section with the previous window" grep -q "^spend and return; previous window 2025-09-14 .. 2025-10-14" "$WORK/table.txt"
GS=$(echo "$W" | jq '.categories[] | select(.category == "google") | .spend_cents')
check "table: google's spend in dollars" grep -Eq "^google +$((GS / 100))\.$(printf %02d $((GS % 100))) " "$WORK/table.txt"
"${LL[@]}" report --site acme --days 30 --model middle >/dev/null 2>&1
eq "$?" 2 "--model accepts last or first only"
