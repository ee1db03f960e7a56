package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/internal/pep"
	"github.com/implicitreg/verify/theorems"
)

// proveMaxT bounds the horizon `verify prove` accepts: the exact check stays well under a
// second up to it (35 ms at T = 200 for constant steps), but the searches' exact replays and
// the dense rational residual grow like T³ (T = 400 takes 13 s).
const proveMaxT = 200

const proveUsage = `Usage:
  verify prove ID [--steps LIST | --constant η --T N] [--L L] [--seed S]

Proves a claim about gradient descent for every convex L-smooth function, in every dimension,
by checking a certificate in exact rational arithmetic: nonnegative multipliers of valid
inequalities (convexity, descent lemma, smooth-convex interpolation) whose weighted sum equals
the claim up to a negative semidefinite quadratic residual (exact LDLᵀ). On success it prints
the proof as a weighted sum of inequalities; otherwise it says which part of the certificate
breaks and searches one-dimensional instances for a counterexample, replayed exactly. Either
way a targeted search (hill climbing on LHS/RHS) shows how tight the bound is from below.

Steps are exact rationals or decimals: --steps 1,1/2,3/4 or --constant 1/3 --T 10.

Exit status: 0 proved; 1 not proved (with the counterexample if one was found); 2 bad input.

Examples:
  verify prove basic-inequality/gd --steps 1,1/2,3/4,1 --L 1
  verify prove basic-inequality/gd --steps 5/4,1/4
  verify prove basic-inequality/gd-large-step --constant 3/2 --T 20
  verify prove pep/drori-teboulle --constant 1/3 --T 4 --L 3
`

func cmdProve(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("prove", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprint(stdout, proveUsage)
		fmt.Fprintln(stdout, "\nProvable claims:")
		for _, p := range theorems.Provables() {
			fmt.Fprintf(stdout, "  %-32s %s (%s)\n", p.ID, p.Title, p.Schedule)
		}
		fmt.Fprintln(stdout, "\nFlags of prove:")
		fs.PrintDefaults()
	}
	stepsFlag := fs.String("steps", "", "the step sizes η_0,…,η_{T−1}, comma-separated rationals (e.g. 1,1/2,0.75)")
	constFlag := fs.String("constant", "", "a constant step size η (with --T)")
	tFlag := fs.Int("T", 0, "the number of steps, with --constant")
	lFlag := fs.String("L", "1", "the smoothness constant L, a positive rational")
	seed := fs.Uint64("seed", 1, "seed of the counterexample and tightness searches (same seed, same output)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if len(pos) != 1 {
		return exitUsage, usagef("prove takes exactly one claim ID (one of %s)", strings.Join(theorems.ProvableIDs(), ", "))
	}
	p, ok := theorems.LookupProvable(pos[0])
	if !ok {
		return exitUsage, usagef("no certificate is encoded for %q; provable claims: %s", pos[0], strings.Join(theorems.ProvableIDs(), ", "))
	}
	L, err := proveParseRat("--L", *lFlag)
	if err != nil {
		return exitUsage, err
	}
	var steps []*big.Rat
	switch {
	case set["steps"] && set["constant"]:
		return exitUsage, usagef("give either --steps or --constant with --T, not both")
	case set["steps"]:
		if set["T"] {
			return exitUsage, usagef("--T goes with --constant; --steps already gives the horizon")
		}
		for i, s := range strings.Split(*stepsFlag, ",") {
			r, err := proveParseRat(fmt.Sprintf("step %d of --steps", i), s)
			if err != nil {
				return exitUsage, err
			}
			steps = append(steps, r)
		}
	case set["constant"]:
		if !set["T"] || *tFlag < 1 {
			return exitUsage, usagef("--constant needs --T N with N ≥ 1")
		}
		r, err := proveParseRat("--constant", *constFlag)
		if err != nil {
			return exitUsage, err
		}
		for range *tFlag {
			steps = append(steps, r)
		}
	default:
		return exitUsage, usagef("give the schedule: --steps LIST or --constant η --T N")
	}
	if len(steps) > proveMaxT {
		return exitUsage, usagef("T = %d is above the limit %d", len(steps), proveMaxT)
	}
	if set["seed"] && *seed == 0 {
		return exitUsage, usagef("--seed must be a positive integer")
	}
	c, err := p.Prepare(theorems.ProveInput{Steps: steps, L: L})
	if err != nil {
		return exitUsage, usagef("%s: %v", p.ID, err)
	}

	start := time.Now()
	res := checks.Prove(c, checks.ProveOptions{Search: checks.TargetOptions{Seed: *seed}, Auto: true})
	writeProve(stdout, p, res, *seed, time.Since(start))
	if res.Inconsistent != "" {
		fmt.Fprintf(stderr, "verify: internal inconsistency: %s\n", res.Inconsistent)
		return exitViolated, nil
	}
	if !res.Proved() {
		return exitViolated, nil
	}
	return exitOK, nil
}

// proveParseRat parses a positive rational ("3/4", "0.75", "1e-2").
func proveParseRat(what, s string) (*big.Rat, error) {
	s = strings.TrimSpace(s)
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, usagef("%s: %q is not a number (want a rational such as 3/4 or 0.75)", what, s)
	}
	if r.Sign() <= 0 {
		return nil, usagef("%s must be positive, got %s", what, s)
	}
	return r, nil
}

func writeProve(w io.Writer, p *theorems.Provable, res *checks.ProveResult, seed uint64, elapsed time.Duration) {
	c := res.Case
	fmt.Fprintf(w, "verify prove %s — %s [%s]\n", p.ID, p.Title, p.Source)
	fmt.Fprintf(w, "Setting: %s\n", c.Setting)
	if c.Hypothesis != "" {
		fmt.Fprintf(w, "Note: %s; the claim is checked all the same.\n", c.Hypothesis)
	}
	fmt.Fprintln(w)
	for _, a := range res.Attempts {
		fmt.Fprintf(w, "Certificate tried: %s\n  %v\n", a.By, a.Err)
	}
	writeAuto(w, res)
	if len(res.Attempts) > 0 || len(res.Auto) > 0 {
		fmt.Fprintln(w)
	}
	if res.Proved() {
		res.Proof.Write(w)
		ref := "every θ_0 and every z"
		if c.RefIsMinimiser() {
			ref = "every θ_0 and minimiser x*"
		}
		fmt.Fprintf(w, "\nPROVED for every convex L-smooth f on R^d, in every dimension, for %s — by the %s; the exact check took %s.\n",
			ref, res.ProofBy, proveDuration(res.CheckTime))
	} else {
		fmt.Fprintln(w, "NOT PROVED: no certificate checks.")
		if res.NoCertificate != "" {
			fmt.Fprintf(w, "Solver verdict: %s.\n", res.NoCertificate)
		}
		if res.MarginProof != nil {
			fmt.Fprintln(w, "\nOnly a weakened claim could be certified (margin 10⁻⁶; this is not the claim as stated):")
			res.MarginProof.Write(w)
			fmt.Fprintln(w)
		}
		writeCounterexample(w, c, res)
	}

	fmt.Fprintf(w, "\nTightness from below (targeted search: hill climbing on LHS/RHS over 1-D instances, seed %d; LHS/RHS = 1 + (exact LHS − RHS)/RHS, > 1 is a violation):\n", seed)
	if e := res.Extremal; e != nil {
		exact := ""
		if x := res.ExtremalExact; x != nil {
			exact = fmt.Sprintf("; exact replay: LHS − RHS = %s", pep.FormatRat(x.Gap))
		}
		fmt.Fprintf(w, "  %-20s LHS/RHS %.9f   %s (%s)%s\n", "known extremal", e.Ratio, c.Describe(e.Instance), c.ExtremalWhy, exact)
	}
	for _, s := range res.Tightness {
		if !s.Found {
			fmt.Fprintf(w, "  %-20s no valid instance in %d evaluations\n", s.Family, s.Evals)
			continue
		}
		ratio, exact := s.Best.Ratio, ""
		if s.ExactGap != nil {
			exact = fmt.Sprintf("; exact replay LHS − RHS %s", proveSign(s.ExactGap))
			if !math.IsNaN(s.ExactRatio) {
				ratio = s.ExactRatio
			}
		}
		fmt.Fprintf(w, "  %-20s LHS/RHS %.9f   %s   (LHS %.6g, RHS %.6g%s; %d evaluations)\n",
			s.Family, ratio, c.Describe(s.Best.Instance), s.Best.LHS, s.Best.RHS, exact, s.Evals)
	}
	fmt.Fprintf(w, "Total time %s.\n", proveDuration(elapsed))
}

func writeAuto(w io.Writer, res *checks.ProveResult) {
	if len(res.Auto) == 0 {
		return
	}
	fmt.Fprintln(w, "Automatic certificate search (SDP over interpolation inequalities, rounded and checked exactly):")
	for _, a := range res.Auto {
		what := "claim"
		if a.Margin {
			what = "weakened claim"
		}
		switch {
		case a.Skipped:
			fmt.Fprintf(w, "  %s (%d inequalities): skipped, too large for the solver\n", a.Set, a.Size)
		case a.Err == nil:
			fmt.Fprintf(w, "  %s (%d inequalities), %s: certificate found (solver bound t = %.3g, %d Newton steps, %s)\n",
				a.Set, a.Size, what, a.T, a.Newton, proveDuration(a.Elapsed))
		default:
			fmt.Fprintf(w, "  %s (%d inequalities), %s: %v (%s)\n", a.Set, a.Size, what, a.Err, proveDuration(a.Elapsed))
		}
	}
}

func writeCounterexample(w io.Writer, c *theorems.ProveCase, res *checks.ProveResult) {
	cx := res.Counterexample
	if cx == nil {
		fmt.Fprintln(w, "No counterexample was found by the targeted search over 1-D instances (best ratios below).")
		if res.RoundingOnly > 0 {
			fmt.Fprintf(w, "(%d floating-point violations were rounding artefacts: their exact replay satisfies the claim.)\n", res.RoundingOnly)
		}
		fmt.Fprintln(w, "The claim may still hold — by a certificate that is not encoded — or fail only on instances outside these families.")
		return
	}
	e, x := cx.Eval, cx.Exact
	fmt.Fprintf(w, "COUNTEREXAMPLE (%s family): the claim fails on\n", cx.Family)
	fmt.Fprintf(w, "  %s\n", x.Instance)
	fmt.Fprintf(w, "  iterates θ_0, …, θ_%d = %s\n", c.T(), proveRats(x.Iterates, 12))
	if c.RefIsMinimiser() {
		fmt.Fprintf(w, "  x* = %s\n", pep.FormatRat(x.Ref))
	}
	fmt.Fprintf(w, "  exact rational replay: LHS − RHS = %s > 0 (≈ %.6g)\n", pep.FormatRat(x.Gap), ratFloat(x.Gap))
	fmt.Fprintf(w, "  floating point (algorithms.GradientDescent, before rounding the parameters): LHS = %.12g, RHS = %.12g, LHS/RHS = %.6f\n",
		e.LHS, e.RHS, e.Ratio)
}

func proveRats(rs []*big.Rat, limit int) string {
	var parts []string
	for i, r := range rs {
		if i == limit && len(rs) > limit+1 {
			parts = append(parts, "…", pep.FormatRat(rs[len(rs)-1]))
			break
		}
		parts = append(parts, pep.FormatRat(r))
	}
	return strings.Join(parts, ", ")
}

func ratFloat(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}

func proveDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// proveSign writes an exact rational by its sign and approximate value: "= 0", "≈ −1.2e-05 < 0".
func proveSign(r *big.Rat) string {
	switch r.Sign() {
	case 0:
		return "= 0"
	case 1:
		return fmt.Sprintf("≈ %.3g > 0", ratFloat(r))
	}
	return fmt.Sprintf("≈ %.3g < 0", ratFloat(r))
}
