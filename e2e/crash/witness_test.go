package crash

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/errgroup"
)

// identity is who a witness client connects as.
type identity struct {
	User, App, EntityType string
}

// mintToken signs the sandbox's HS256 token for id (sub, entityType, app):
// minted here with golang-jwt, not with wsops's auth package.
func mintToken(secret string, id identity) (string, error) {
	now := time.Now()
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": id.User, "entityType": id.EntityType, "app": id.App, "platform": "android",
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
	}).SignedString([]byte(secret))
}

// witness is one WebSocket client the test itself holds open to the
// sandbox: it counts the crash frames it receives, per marker, and records
// how its connection ended.
type witness struct {
	UserAgent string
	ID        string // its connection id, learnt from the registry by its User-Agent
	conn      *websocket.Conn
	done      chan struct{}

	mu     sync.Mutex
	frames map[string]int // crash marker → frames received
	other  int            // frames without a crash marker
	closed bool
	code   websocket.StatusCode // -1: ended without a close frame
	// beforeClose is frames[marker] when the connection ended.
	beforeClose map[string]int
}

func (c *witness) read() {
	defer close(c.done)
	for {
		_, b, err := c.conn.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.closed, c.code = true, websocket.CloseStatus(err)
			c.beforeClose = map[string]int{}
			for k, v := range c.frames {
				c.beforeClose[k] = v
			}
			c.mu.Unlock()
			return
		}
		var m struct {
			Crash string `json:"crash"`
		}
		c.mu.Lock()
		if json.Unmarshal(b, &m) == nil && m.Crash != "" {
			c.frames[m.Crash]++
		} else {
			c.other++
		}
		c.mu.Unlock()
	}
}

// count is how many frames carrying marker the client received.
func (c *witness) count(marker string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frames[marker]
}

// received is how many frames the client received in all.
func (c *witness) received() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.other
	for _, v := range c.frames {
		n += v
	}
	return n
}

// ended reports whether the connection ended, its close code, and how many
// marker frames had arrived before it did.
func (c *witness) ended(marker string) (closed bool, code websocket.StatusCode, before int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed, c.code, c.beforeClose[marker]
}

// fleet is a set of witness clients.
type fleet struct {
	t       *testing.T
	w       *world
	clients []*witness
	byID    map[string]*witness
}

// connectFleet dials n clients as ident(i), each with a unique User-Agent
// (prefix-i), and learns their connection ids from the registry. The
// clients are closed by t.Cleanup.
func connectFleet(t *testing.T, w *world, prefix string, n int, ident func(i int) identity) *fleet {
	t.Helper()
	f := &fleet{t: t, w: w, clients: make([]*witness, n), byID: map[string]*witness{}}
	t.Cleanup(f.close)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range n {
		g.Go(func() error {
			token, err := mintToken(w.secret, ident(i))
			if err != nil {
				return err
			}
			ua := fmt.Sprintf("crash-witness/%s-%d", prefix, i)
			u := w.ep.WebSocketURL + "?" + url.Values{"token": {token}, "platform": {"android"}}.Encode()
			conn, _, err := websocket.Dial(gctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"User-Agent": {ua}}})
			if err != nil {
				return fmt.Errorf("client %s: %w", ua, err)
			}
			conn.SetReadLimit(1 << 20)
			c := &witness{UserAgent: ua, conn: conn, done: make(chan struct{}), frames: map[string]int{}}
			f.clients[i] = c
			go c.read()
			return nil
		})
	}
	err := g.Wait()
	if err != nil {
		t.Fatalf("connecting the witnesses: %v", err)
	}
	// The registry lists each client's connection; the management API's
	// GetConnection tells them apart by their User-Agent (not every store
	// keeps one in the record).
	byUA := map[string]*witness{}
	for _, c := range f.clients {
		byUA[c.UserAgent] = c
	}
	ok := waitUntil(waitLimit, func() bool {
		for id := range w.reg.connections() {
			if c := byUA[w.userAgent(id)]; c != nil && c.ID == "" {
				c.ID = id
				f.byID[id] = c
			}
		}
		return len(f.byID) == n
	})
	if !ok {
		t.Fatalf("only %d of %d witnesses have a registry record", len(f.byID), n)
	}
	return f
}

// userAgent is the User-Agent of connection id as GetConnection, straight
// to the sandbox, answers it ("" if it cannot: a connection gone, a record
// with no connection), remembered for the world.
func (w *world) userAgent(id string) string {
	if ua, ok := w.agents[id]; ok {
		return ua
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := w.api.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	if err != nil || out.Identity == nil {
		return ""
	}
	ua := aws.ToString(out.Identity.UserAgent)
	w.agents[id] = ua
	return ua
}

// join subscribes every client to the order's room with the store's
// message, over its socket, waits for each one's answer (the backend
// answers once the registry holds it), and checks that the registry holds
// every client in the room.
func (f *fleet) join(order string) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	answers := make(map[*witness]int, len(f.clients))
	for _, c := range f.clients {
		answers[c] = c.received() + 1
		if err := c.conn.Write(ctx, websocket.MessageText, []byte(f.w.store.join(order))); err != nil {
			f.t.Fatalf("witness %s joining %s: %v", c.UserAgent, order, err)
		}
	}
	answered := waitUntil(waitLimit, func() bool {
		for c, n := range answers {
			if c.received() < n {
				return false
			}
		}
		return true
	})
	if !answered {
		f.t.Fatalf("the witnesses joining %s were not all answered within %v", order, waitLimit)
	}
	room := f.w.store.room(order)
	ids := map[string]bool{}
	for id := range f.byID {
		ids[id] = true
	}
	subs := f.w.reg.subscriptions(ids)
	for id, c := range f.byID {
		if _, ok := subs[subscriptionKey(id, room)]; !ok {
			f.t.Fatalf("witness %s (%s) is not in %s after its answer", c.UserAgent, id, room)
		}
	}
}

// close ends every client and waits for its reader.
func (f *fleet) close() {
	for _, c := range f.clients {
		if c == nil {
			continue
		}
		_ = c.conn.CloseNow()
		select {
		case <-c.done:
		case <-time.After(waitLimit):
			f.t.Errorf("witness %s: its reader did not end", c.UserAgent)
		}
	}
}

// settle waits until the clients' counts of marker stop changing while
// the sandbox has been sent nothing more: a barrier frame is posted to each
// live client straight through the sandbox's management API (past the
// proxy) and awaited, so everything posted before it has arrived.
func (f *fleet) settle(marker string) {
	f.t.Helper()
	barrier := marker + "/barrier"
	body := fmt.Sprintf(`{"crash":%q}`, barrier)
	var live []*witness
	for _, c := range f.clients {
		if closed, _, _ := c.ended(barrier); !closed {
			if err := postDirect(f.w.api, c.ID, body); err == nil {
				live = append(live, c)
			}
		}
	}
	ok := waitUntil(waitLimit, func() bool {
		for _, c := range live {
			if closed, _, _ := c.ended(barrier); !closed && c.count(barrier) == 0 {
				return false
			}
		}
		return true
	})
	if !ok {
		f.t.Fatalf("the barrier frames did not arrive within %v", waitLimit)
	}
}

// directAPI is a management API client straight to the sandbox (not the
// proxy), with the AWS SDK (the sandbox wants SigV4).
func directAPI(t *testing.T, managementURL string) *apigatewaymanagementapi.Client {
	transport := &http.Transport{MaxIdleConnsPerHost: 16}
	t.Cleanup(transport.CloseIdleConnections)
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(managementURL),
		Credentials:  credentials.NewStaticCredentialsProvider("crash", "crash", ""),
		HTTPClient:   &http.Client{Transport: transport, Timeout: 10 * time.Second},
	})
}

// postDirect posts body to connection id, past the proxy.
func postDirect(api *apigatewaymanagementapi.Client, id, body string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte(body)})
	return err
}
