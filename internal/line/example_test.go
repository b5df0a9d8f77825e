package line_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"dialtone/internal/line"
	"dialtone/internal/sipaddr"
)

// session stands in for the sign-in package's session, which implements
// line.TokenSource in the application.
type session struct{}

func (session) AccessToken(ctx context.Context, minValid time.Duration) (string, error) {
	return "", line.ErrSignInRequired
}
func (session) Refresh(ctx context.Context) (string, error) { return "", line.ErrSignInRequired }

// The line of a signed-in agent: registered while the app runs, each state
// change shown, unregistered when the agent quits.
func Example() {
	cfg, err := sipaddr.Config{Registrar: "sips:pbx.acme.test"}.ForAgent("agent@acme.test")
	if err != nil {
		fmt.Println(err) // names the provider-list field and what to write
		return
	}
	l, err := line.New(cfg, "https://idp.acme.test", session{}, line.Options{
		OnState: func(s line.State) { fmt.Println("line:", s.Status, s.Reason()) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err = l.Run(ctx) // until Ctrl-C, or until the registrar refuses the line
	if errors.Is(err, line.ErrRefused) {
		fmt.Println("details for your admin:", err)
	}
	bye, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.Unregister(bye)
}
