package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"
)

// delayProxy is a reverse proxy in front of the sandbox's management API
// that holds every request for delay before forwarding it: an emulated
// in-region network round trip (tc netem is not available here), applied
// equally to wsops and to the baselines that go through it. The delay is
// the thing being emulated, not a wait for anything.
type delayProxy struct {
	url    string
	delay  atomic.Int64 // nanoseconds
	server *http.Server
	done   chan error
}

func startDelayProxy(target string) (*delayProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	u.Path = "" // requests keep their own path (/{stage}/@connections/…)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &delayProxy{url: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	p.server = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(time.Duration(p.delay.Load()))
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
		rp.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { p.done <- p.server.Serve(ln) }()
	return p, nil
}

// setDelay sets the delay of the requests that arrive from now on.
func (p *delayProxy) setDelay(d time.Duration) { p.delay.Store(int64(d)) }

func (p *delayProxy) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := p.server.Shutdown(ctx)
	<-p.done
	return err
}
