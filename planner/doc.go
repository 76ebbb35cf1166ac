// Package planner chooses and orders visits for a working day: an
// orienteering problem with time windows (OPTW). It is pure: it receives
// stops (value, service time, time windows, fixed or optional) and a
// travel-time matrix, and returns a plan; it does no I/O and knows no
// accounts. The day planner and `tournee bench optw` call the same Solve.
//
// # Model
//
// Times are time.Duration offsets from an origin the caller picks. A route
// leaves Problem.Start no earlier than Depart, serves each stop at a time in
// one of its windows (arriving early means waiting), and reaches
// Problem.End by Return. Fixed stops are mandatory; an appointment is a fixed
// stop with a zero-width window, so it never moves. A lunch break is either
// a gap between windows or a fixed pseudo-stop with a wide window. Several
// routes (Problem.Routes) share the same bounds; fixed stops go on the first.
//
// # Algorithm
//
// Iterated local search as published for the team orienteering problem with
// time windows ("Iterated local search for the team orienteering problem
// with time windows", Computers & Operations Research, 2009):
//
//   - insertion: repeatedly insert the stop with the best value²/shift ratio
//     at its cheapest feasible place, where shift is the time the insertion
//     adds before the next stop, until nothing fits;
//   - perturbation, half of the time each: a shake removes a run of
//     consecutive visits (up to half the route, from a random position) from
//     every route; a forced insertion picks a left-out stop and removes up to
//     three visits around the time it opens until it fits, so that a stop
//     the greedy would never choose first can displace one that blocks it;
//   - after each perturbation the refill scales every ratio by a random
//     factor in [1, 2) and, one step in twenty, inserts a random stop that
//     fits: this is what lets the search leave the greedy's choices;
//   - the best solution is kept, every perturbed solution becomes the
//     current one, and the search goes back to the best after 100
//     iterations without a new best.
//
// Each route keeps, per position, the earliest service start a (forward
// propagation, waiting allowed) and the latest start z that keeps the rest of
// the route feasible (backward propagation). Arriving at a stop by its z is
// always feasible, so checking an insertion costs O(w), w being the number
// of windows of the inserted stop; this is the maxShift bookkeeping of the
// paper in one number. The same a and z give each visit's bookable slot
// exactly: service may start at any time of [a, z] inside the stop's windows.
//
// # Complexity
//
// With n candidate stops and a route of L visits, one refill step evaluates
// every insertion: O(n·L); an insertion then updates the route in O(L). An
// iteration costs O(k·n·L) for k reinsertions, which is tens of microseconds
// for n = 100 (10⁴–10⁵ iterations a second). Memory is O(n²) for the matrix.
// Travel times are integer nanoseconds, so feasibility is exact.
//
// On the Solomon-based OPTW instances (c1, r1, rc1; m = 1) a 1 s budget on
// one core reaches the best-known value of all 29 (see `tournee bench optw`).
//
// # Limits
//
//   - A heuristic: no optimality proof; with a time budget alone the result
//     depends on the machine's speed (set Options.Iterations for plans that
//     depend only on the seed).
//   - Fixed stops are kept in the order of their windows; mandatory stops
//     whose windows overlap are not reordered.
//   - Every visit starts as early as it can, and the route leaves at Depart:
//     waiting is shown where it happens rather than moved to the departure.
//   - Slots are independent: each is exact with every other visit of the
//     plan kept, but booking two visits at their latest starts together may
//     not be feasible; re-plan (or call Schedule) after each booking.
//   - Travel times do not depend on the time of day.
package planner
