package accounts

import (
	"context"
	"time"
)

// Judge runs the part of an evaluation that needs no store on as, whose
// inputs are in, at now in loc: facts, matches and score parts, on every
// processor. It gives, for each account, the ids of the rules that match
// and the score parts they add.
func Judge(rules []*CompiledRule, as []Account, in map[int64]RuleInputs, now time.Time, loc *time.Location) ([][]int64, [][]ScorePart) {
	vs := judgeAll(context.Background(), rules, newFactClock(now, loc), as, in)
	matched, parts := make([][]int64, len(vs)), make([][]ScorePart, len(vs))
	for i, v := range vs {
		for _, r := range v.matched {
			matched[i] = append(matched[i], r.Rule.ID)
		}
		parts[i] = scoreParts(v.matched)
	}
	return matched, parts
}

// CountMatches is Judge for benchmarks: it does what an evaluation does
// before writing, working out the score parts of the accounts whose parts
// change only, and counts the (rule, account) matches and those parts.
func CountMatches(rules []*CompiledRule, as []Account, in map[int64]RuleInputs, now time.Time, loc *time.Location) (matches, parts int) {
	for _, v := range judgeAll(context.Background(), rules, newFactClock(now, loc), as, in) {
		matches += len(v.matched)
		if v.rescored {
			parts += len(scoreParts(v.matched))
		}
	}
	return matches, parts
}

// RevenueRanges are the month ranges whose revenue the facts at now in
// loc read, in the order of RuleInputs.Revenue.
func RevenueRanges(now time.Time, loc *time.Location) []MonthRange {
	return newFactClock(now, loc).revenue
}
