package demo

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tournee/tournee/accounts"
)

// seasonality is the relative activity of each month, January first:
// industry slows in August and over Christmas and peaks in spring and
// autumn.
var seasonality = [12]float64{0.95, 1.0, 1.08, 1.05, 1.0, 1.06, 0.92, 0.6, 1.05, 1.1, 1.04, 0.82}

// revenueMonths is how many complete months of history each client has.
const revenueMonths = 24

func (s *seeder) seedRevenue(ctx context.Context) error {
	r := s.rng(streamRevenue)
	last := s.lastMonth()
	var batch []accounts.Revenue
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.svc.PutRevenue(ctx, batch); err != nil {
			return err
		}
		s.sum.RevenueRows += len(batch)
		batch = batch[:0]
		return nil
	}
	for i, a := range s.accts {
		var amounts []int64 // oldest first; 0 means no row
		switch {
		case i == s.lambda:
			amounts = lambdaRevenue(r, last)
		case a.Kind == accounts.KindClient:
			amounts = clientRevenue(r, a, last)
		case a.Kind == accounts.KindFormer && r.IntN(100) < 60:
			amounts = formerRevenue(r, a, last)
		default:
			continue
		}
		for k, cents := range amounts {
			if cents <= 0 {
				continue
			}
			m := last.AddDate(0, k-revenueMonths+1, 0)
			batch = append(batch, accounts.Revenue{AccountID: a.ID, Month: accounts.MonthOf(m), AmountCents: cents})
		}
		if len(batch) >= revenueBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// clientRevenue draws a client's 24 months: a share of its potential, a
// yearly trend, the seasons and noise; some clients are recent, some small
// ones skip months.
func clientRevenue(r *rand.Rand, a accounts.Account, last time.Time) []int64 {
	base := float64(a.PotentialCents) * (0.25 + 0.6*r.Float64())
	growth := 0.03 + 0.12*r.NormFloat64()
	start := 0
	if r.IntN(100) < 10 {
		start = r.IntN(revenueMonths - 3) // became a client within the window
	}
	skip := 0.0
	if a.Segment == segArtisans {
		skip = 0.12
	}
	out := make([]int64, revenueMonths)
	for k := start; k < revenueMonths; k++ {
		if r.Float64() < skip {
			continue
		}
		m := last.AddDate(0, k-revenueMonths+1, 0)
		trend := math.Pow(1+growth, float64(k-revenueMonths+1)/12)
		noise := math.Max(0.3, 1+0.08*r.NormFloat64())
		out[k] = int64(base * trend * seasonality[m.Month()-1] * noise)
	}
	return out
}

// formerRevenue is the history of a client lost during the window: revenue
// fading for some months, then nothing.
func formerRevenue(r *rand.Rand, a accounts.Account, last time.Time) []int64 {
	base := float64(a.PotentialCents) * (0.2 + 0.4*r.Float64())
	end := 3 + r.IntN(revenueMonths-6)
	out := make([]int64, revenueMonths)
	for k := range end {
		m := last.AddDate(0, k-revenueMonths+1, 0)
		fade := 1 - 0.6*float64(k)/float64(end)
		out[k] = int64(base * fade * seasonality[m.Month()-1] * math.Max(0.3, 1+0.1*r.NormFloat64()))
	}
	return out
}

// LAMBDA SARL's revenue: 34,000 € in the month a year before the last
// complete one, and exactly 11.5 % less in the last one.
const (
	lambdaYearAgoCents = 3_400_000
	lambdaLastCents    = lambdaYearAgoCents * 885 / 1000
)

// lambdaRevenue is LAMBDA SARL's history: steady the first year with the
// mild seasons of a large plant, then sliding by 4 to 11.5 % against the
// same month a year earlier as a competitor takes share.
func lambdaRevenue(r *rand.Rand, last time.Time) []int64 {
	out := make([]int64, revenueMonths)
	mild := func(k int) float64 {
		m := last.AddDate(0, k-revenueMonths+1, 0)
		return 1 + 0.3*(seasonality[m.Month()-1]-1)
	}
	const yearAgo = revenueMonths - 13 // index of the month a year before last
	for k := range 12 {
		out[k] = int64(lambdaYearAgoCents * mild(k) / mild(yearAgo) * (1 + 0.03*r.NormFloat64()))
	}
	out[yearAgo] = lambdaYearAgoCents
	for k := 12; k < revenueMonths; k++ {
		drop := 0.04 + 0.07*float64(k-12)/11 + 0.01*r.NormFloat64()
		out[k] = int64(float64(out[k-12]) * (1 - drop))
	}
	out[revenueMonths-1] = lambdaLastCents
	return out
}
