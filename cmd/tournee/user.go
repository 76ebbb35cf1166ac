package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tournee/tournee/accounts"
)

// runUserAdd runs `tournee user add --role ROLE --email EMAIL [--name NAME]
// [--password-stdin]`: the first admin of a new organisation, or any user.
// The password is read from standard input, or generated and printed once;
// it is never logged.
func runUserAdd(ctx context.Context, cfg config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tournee user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.flags(fs)
	role := fs.String("role", "rep", "admin, manager or rep")
	email := fs.String("email", "", "the user's e-mail, with which they sign in")
	name := fs.String("name", "", "the user's name (default: the e-mail)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input instead of generating one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		*name = *email
	}
	password, generated := "", false
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		b := make([]byte, 15)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		password, generated = base64.RawURLEncoding.EncodeToString(b), true
	}
	hash, err := accounts.HashPassword(password)
	if err != nil {
		return err
	}
	st, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := accounts.NewService(st)
	u, err := svc.CreateUser(ctx, accounts.User{Email: *email, Name: *name, Role: accounts.Role(*role)})
	if err != nil {
		return err
	}
	if err := st.SetPasswordHash(ctx, u.ID, hash); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "tournee: user %d %s (%s) created\n", u.ID, u.Email, u.Role)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n(shown once; change it with PUT /api/v1/users/%d/password)\n", password, u.ID)
	}
	return nil
}
