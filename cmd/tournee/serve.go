package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/demo"
	"github.com/tournee/tournee/accounts/postgres"
	"github.com/tournee/tournee/accounts/sqlite"
	"github.com/tournee/tournee/web"
)

// store is an accounts.Store that can also migrate its schema.
type store interface {
	accounts.Store
	Migrate(ctx context.Context) error
}

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

func openStore(ctx context.Context, cfg config) (store, error) {
	if cfg.DatabaseURL != "" {
		return postgres.Open(ctx, cfg.DatabaseURL)
	}
	return sqlite.Open(ctx, cfg.DB)
}

// openMigrated opens the configured store and brings its schema up to date.
func openMigrated(ctx context.Context, cfg config) (store, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate %s: %w", cfg.storeName(), err)
	}
	return st, nil
}

func serve(ctx context.Context, cfg config, withDemo bool, log *slog.Logger, stdout io.Writer) error {
	cfg.print(stdout)
	planning, err := cfg.planning()
	if err != nil {
		return err
	}
	if err := cfg.Map.Validate(); err != nil {
		return fmt.Errorf("TOURNEE_TILES_URL: %w", err)
	}
	st, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if withDemo {
		if err := seedDemo(ctx, st, 1, stdout); err != nil {
			return err
		}
	}

	rules, err := startAlerts(ctx, cfg, st, planning.TimeZone, log)
	if err != nil {
		return err
	}
	handler := web.New(st, log, web.Config{Planning: planning, Map: cfg.Map, Rules: rules, OpenVisibility: cfg.OpenVisibility,
		SecureCookies: cfg.SecureCookies})
	start := time.Now()
	places := handler.Places()
	if err := places.Load(ctx); err != nil {
		return fmt.Errorf("load the spatial index: %w", err)
	}
	log.Info("spatial index loaded", "accounts", places.Index().Len(), "took", time.Since(start).Round(time.Millisecond))
	hooks := make(chan struct{}, 1)
	follow(ctx, st, places, log, wakeup(hooks))
	dispatchWebhooks(ctx, handler.Service(), hooks, log)
	dailyRules(ctx, handler.Service(), planning.TimeZone, log)
	taskReminders(ctx, handler.Service(), log)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	fmt.Fprintf(stdout, "tournee: listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.ShutdownIn)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownIn)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// follow keeps places in step with writes of other tournee processes that
// share the database: woken by the store's notifications when it has them
// (PostgreSQL), and in any case every few seconds. Each of also is called
// on every notification too, for the other followers of the feed.
func follow(ctx context.Context, st store, places *accounts.Places, log *slog.Logger, also ...func()) {
	const poll = 5 * time.Second
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default: // a wake-up is already pending
		}
		for _, f := range also {
			f()
		}
	}
	if l, ok := st.(interface {
		Listen(context.Context, func()) error
	}); ok {
		go func() {
			for ctx.Err() == nil {
				if err := l.Listen(ctx, signal); err != nil {
					log.Warn("change notifications lost, listening again", "err", err)
					select {
					case <-ctx.Done():
					case <-time.After(time.Second):
					}
				}
			}
		}()
	}
	go places.Follow(ctx, wake, poll, func(err error) { log.Warn("spatial index catch-up failed", "err", err) })
}

// seedDemo seeds the demo organisation unless the store already has users:
// demo data never mixes with an organisation's own.
func seedDemo(ctx context.Context, st accounts.Store, seed int64, stdout io.Writer) error {
	users, err := st.ListUsers(ctx, accounts.UserFilter{Page: accounts.Page{Limit: 1}})
	if err != nil {
		return err
	}
	if len(users) > 0 {
		fmt.Fprintln(stdout, "tournee: database is not empty, demo data not seeded")
		return nil
	}
	start := time.Now()
	sum, err := demo.Seed(ctx, accounts.NewService(st), demo.Options{Seed: seed, Now: time.Now()})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(stdout, "tournee: demo organisation seeded in %s: %d users, %d accounts, %d contacts, %d opportunities, %d activities, %d tasks, %d rules\n",
		time.Since(start).Round(time.Millisecond), sum.Users, sum.Accounts, sum.Contacts, sum.Opportunities, sum.Activities, sum.Tasks, sum.Rules)
	fmt.Fprintf(stdout, "tournee: demo sign-ins: admin@demo.tournee.test, manager@demo.tournee.test, rep1@demo.tournee.test … rep30@demo.tournee.test, password %q\n", demo.Password)
	return nil
}
