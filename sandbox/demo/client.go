package demo

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"

	"wsops/auth"
)

// runClient connects as p, subscribes, heartbeats, and leaves after a random
// lifetime (or when ctx ends). An error means the client could not connect or
// the server cut it.
func runClient(ctx context.Context, o Options, p persona, rng *rand.Rand) error {
	token, err := auth.Mint(o.Secret, p.claims, 24*time.Hour, time.Now())
	if err != nil {
		return err
	}
	u := o.URL + "?" + url.Values{"token": {token}, "platform": {p.platform}}.Encode()
	c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"User-Agent": {p.userAgent()}}})
	if err != nil {
		return err
	}
	var reader sync.WaitGroup
	readErr := make(chan error, 1)
	reader.Go(func() {
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				readErr <- err
				return
			}
		}
	})
	defer func() {
		c.CloseNow() // unblocks the reader on every path
		reader.Wait()
	}()

	for _, m := range p.joinMessages() {
		if err := c.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			return err
		}
	}
	life := time.NewTimer(o.MinLifetime + time.Duration(rng.Int64N(int64(o.MaxLifetime-o.MinLifetime))))
	defer life.Stop()
	beat := time.NewTimer(jitter(rng, o.Heartbeat))
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return c.Close(websocket.StatusGoingAway, "demo stopping")
		case <-life.C:
			return c.Close(websocket.StatusNormalClosure, "")
		case err := <-readErr:
			return err
		case <-beat.C:
			if err := c.Write(ctx, websocket.MessageText, []byte(p.heartbeat())); err != nil {
				return err
			}
			beat.Reset(jitter(rng, o.Heartbeat))
		}
	}
}

// jitter is d ± 50%.
func jitter(rng *rand.Rand, d time.Duration) time.Duration {
	return d/2 + time.Duration(rng.Int64N(int64(d)))
}
