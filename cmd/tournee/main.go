// Command tournee runs the Tournée service and its administration tasks.
//
//	tournee serve [--addr 127.0.0.1:8080] [--db ./tournee.db] [--demo]
//	tournee migrate
//	tournee import accounts|contacts|revenue FILE.csv [flags]
//	tournee demo [--seed N]
//	tournee bench optw [--budget 1s] FILE...
//	tournee loadtest [--target URL] [--rate N] [--duration D]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tournee:", err)
		os.Exit(1)
	}
}

const usage = `usage: tournee COMMAND [flags]

commands:
  serve     run the HTTP service (--demo seeds the demo organisation into an empty database)
  migrate   apply the database migrations and exit
  import    import accounts, contacts or revenue from a CSV file
  demo      seed the demo organisation into an empty database and exit
  bench     run a benchmark: 'bench optw FILE...' plans OPTW instances
  user      'user add --role admin --email E' creates a user and prints their password (or reads it with --password-stdin)
  loadtest  drive a running server on loopback with nearby queries and print rates and latencies

Run 'tournee COMMAND -h' for the flags of a command.`

// run is main without its process-wide effects, so that tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return flag.ErrHelp
	}
	cmd, args := args[0], args[1:]
	cfg := configFromEnv(getenv)
	fs := flag.NewFlagSet("tournee "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.flags(fs)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	switch cmd {
	case "serve":
		demo := fs.Bool("demo", false, "seed the demo organisation into an empty database")
		if err := fs.Parse(args); err != nil {
			return err
		}
		return serve(ctx, cfg, *demo, log, stdout)
	case "migrate":
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.Migrate(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrations applied to", cfg.storeName())
		return nil
	case "demo":
		seed := fs.Int64("seed", 1, "random seed of the demo organisation")
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := openMigrated(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		return seedDemo(ctx, st, *seed, stdout)
	case "import":
		// import parses its own flags, which may follow the file name.
		return runImport(ctx, cfg, args, stdout, stderr)
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return errors.New("usage: tournee user add --role ROLE --email EMAIL [--name NAME] [--password-stdin]")
		}
		return runUserAdd(ctx, cfg, args[1:], stdin, stdout, stderr)
	case "loadtest":
		return runLoadtest(ctx, args, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
