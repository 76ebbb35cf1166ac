package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tournee/tournee/planner"
)

const benchUsage = `usage: tournee bench optw [--budget 1s] [--routes 1] [--decimals 1] [--seed 1] [--out DIR] [--bks FILE] FILE...

Plans each (T)OPTW instance file with the day planner's solver and prints its
score, the gap to the best-known value and the time taken. Best-known values
come from --bks or from a bks.csv (instance,m,bks) next to the instances'
directory.`

// runBench runs `tournee bench ARGS...`; args[0] names the benchmark.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "optw" {
		fmt.Fprintln(stderr, benchUsage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("tournee bench optw", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, benchUsage); fs.PrintDefaults() }
	budget := fs.Duration("budget", time.Second, "search time per instance")
	routes := fs.Int("routes", 1, "number of routes (m)")
	decimals := fs.Int("decimals", 1, "decimal places kept when truncating Euclidean distances")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "directory for the solutions (NAME.json); none written if empty")
	bksPath := fs.String("bks", "", "CSV of best-known values (instance,m,bks); default: bks.csv beside the instances")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	files := fs.Args()
	switch {
	case len(files) == 0:
		fs.Usage()
		return flag.ErrHelp
	case *routes < 1:
		return errors.New("--routes must be at least 1")
	case *decimals < 0 || *decimals > 9:
		return errors.New("--decimals must be between 0 and 9")
	case *budget <= 0:
		return errors.New("--budget must be positive")
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
	}

	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "instance\tscore\tbest-known\tgap %\ttime\titerations\t")
	var gaps float64
	var nGaps int
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		p, err := readOPTWFile(file, *decimals)
		if err != nil {
			return err
		}
		p.Routes = *routes
		began := time.Now()
		plan, err := planner.Solve(ctx, p, planner.Options{Budget: *budget, Seed: *seed})
		took := time.Since(began)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		ids := make([][]int, len(plan.Routes))
		for r, rt := range plan.Routes {
			ids[r] = []int{}
			for _, v := range rt.Visits {
				ids[r] = append(ids[r], v.Stop)
			}
		}
		// Re-time the answer from scratch: a solver bug must not print a score.
		if _, err := planner.Schedule(p, ids); err != nil {
			return fmt.Errorf("%s: solver returned an infeasible plan: %w", file, err)
		}
		if *out != "" {
			data, _ := json.Marshal(map[string][][]int{"routes": ids})
			if err := os.WriteFile(filepath.Join(*out, name+".json"), append(data, '\n'), 0o644); err != nil {
				return err
			}
		}
		bks, ok, err := bestKnown(*bksPath, file, name, *routes)
		if err != nil {
			return err
		}
		bksCol, gapCol := "-", "-"
		if ok && bks > 0 {
			gap := 100 * (bks - plan.Value) / bks
			gaps += gap
			nGaps++
			bksCol, gapCol = strconv.FormatFloat(bks, 'f', -1, 64), fmt.Sprintf("%.2f", gap)
		}
		fmt.Fprintf(tw, "%s\t%g\t%s\t%s\t%.2fs\t%d\t\n", name, plan.Value, bksCol, gapCol, took.Seconds(), plan.Iterations)
		if err := ctx.Err(); err != nil {
			tw.Flush()
			return err
		}
	}
	if nGaps > 0 {
		fmt.Fprintf(tw, "mean gap\t\t\t%.2f\t\t\t\n", gaps/float64(nGaps))
	}
	return tw.Flush()
}

// readOPTWFile reads a (T)OPTW instance; see readOPTW.
func readOPTWFile(path string, decimals int) (planner.Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return planner.Problem{}, err
	}
	defer f.Close()
	p, err := readOPTW(f, decimals)
	if err != nil {
		return planner.Problem{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// readOPTW reads an instance in the TOPTW format of the literature's
// benchmark sets: header "k v N t", an
// optional line, then one line per vertex "i x y d S f a list... O C".
// Vertex 0 is the depot at both ends, its closing time the day's length;
// stop i is vertex i. One time unit of the file becomes one second. Travel
// times are Euclidean distances truncated to the given number of decimals,
// computed in exact integer arithmetic so that they match the checker's.
func readOPTW(r io.Reader, decimals int) (planner.Problem, error) {
	var header []string
	var verts [][]string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 0:
		case len(f) >= 9 && f[0] == strconv.Itoa(len(verts)):
			verts = append(verts, f)
		case len(verts) == 0:
			header = append(header, f...)
		default:
			// Some published copies append unrelated lines after the vertices.
		}
	}
	if err := sc.Err(); err != nil {
		return planner.Problem{}, err
	}
	if len(header) < 3 {
		return planner.Problem{}, errors.New("header too short")
	}
	n, err := strconv.Atoi(header[2])
	if err != nil {
		return planner.Problem{}, fmt.Errorf("header: N: %v", err)
	}
	if len(verts) != n+1 {
		return planner.Problem{}, fmt.Errorf("header says %d customers, found %d vertex lines", n, len(verts)-1)
	}

	const coordScale = 6 // coordinates are read exactly in millionths
	p := planner.Problem{Stops: make([]planner.Stop, n+1), Travel: make([][]time.Duration, n+1)}
	xs, ys := make([]*big.Int, n+1), make([]*big.Int, n+1)
	for i, f := range verts {
		if xs[i], err = decimal(f[1], coordScale); err != nil {
			return planner.Problem{}, fmt.Errorf("vertex %d: x: %v", i, err)
		}
		if ys[i], err = decimal(f[2], coordScale); err != nil {
			return planner.Problem{}, fmt.Errorf("vertex %d: y: %v", i, err)
		}
		var d, o, c time.Duration
		for _, v := range []struct {
			field string
			dst   *time.Duration
		}{{f[3], &d}, {f[len(f)-2], &o}, {f[len(f)-1], &c}} {
			if *v.dst, err = time.ParseDuration(v.field + "s"); err != nil {
				return planner.Problem{}, fmt.Errorf("vertex %d: %v", i, err)
			}
		}
		score, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			return planner.Problem{}, fmt.Errorf("vertex %d: score: %v", i, err)
		}
		p.Stops[i] = planner.Stop{Value: score, Service: d, Windows: []planner.Window{{Open: o, Close: c}}}
		if i == 0 {
			p.Depart, p.Return = o, c
		}
	}

	// distance × 10^decimals = sqrt(dx²+dy²) × 10^decimals / 10^coordScale, floored.
	pow := func(k int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil) }
	up, down := pow(2*decimals), pow(coordScale)
	unit := time.Second / time.Duration(pow(decimals).Int64())
	var dx, dy, s big.Int
	for i := range p.Travel {
		p.Travel[i] = make([]time.Duration, n+1)
	}
	for i := range n + 1 {
		for j := i + 1; j <= n; j++ {
			dx.Sub(xs[i], xs[j])
			dy.Sub(ys[i], ys[j])
			s.Add(dx.Mul(&dx, &dx), dy.Mul(&dy, &dy))
			s.Mul(&s, up)
			s.Sqrt(&s)
			s.Quo(&s, down)
			d := time.Duration(s.Int64()) * unit
			p.Travel[i][j], p.Travel[j][i] = d, d
		}
	}
	return p, nil
}

// decimal parses s exactly as an integer number of 10^-scale units.
func decimal(s string, scale int) (*big.Int, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("not a number: %q", s)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() {
		return nil, fmt.Errorf("%q has more than %d decimals", s, scale)
	}
	return new(big.Int).Set(r.Num()), nil
}

// bestKnown looks up the best-known value of instance name with m routes,
// in path or, when path is empty, in a bks.csv in the instance's directory
// or its parent. ok is false when there is none.
func bestKnown(path, file, name string, m int) (bks float64, ok bool, err error) {
	candidates := []string{path}
	if path == "" {
		dir := filepath.Dir(file)
		candidates = []string{filepath.Join(dir, "bks.csv"), filepath.Join(filepath.Dir(dir), "bks.csv")}
	}
	for _, c := range candidates {
		f, err := os.Open(c)
		if errors.Is(err, os.ErrNotExist) && path == "" {
			continue
		}
		if err != nil {
			return 0, false, err
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			return 0, false, fmt.Errorf("%s: %w", c, err)
		}
		col := map[string]int{}
		if len(rows) > 0 {
			for i, h := range rows[0] {
				col[strings.TrimSpace(h)] = i
			}
		}
		ci, okI := col["instance"]
		cb, okB := col["bks"]
		cm, okM := col["m"]
		if !okI || !okB {
			return 0, false, fmt.Errorf("%s: want columns instance and bks", c)
		}
		for _, row := range rows[1:] {
			if row[ci] != name || okM && row[cm] != strconv.Itoa(m) {
				continue
			}
			v, err := strconv.ParseFloat(row[cb], 64)
			if err != nil {
				return 0, false, fmt.Errorf("%s: %s: %w", c, name, err)
			}
			return v, true, nil
		}
		return 0, false, nil
	}
	return 0, false, nil
}
