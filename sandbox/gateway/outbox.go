package gateway

import (
	"context"
	"time"

	"github.com/coder/websocket"
)

// enqueue queues one text frame for the writer. A full queue drops the
// connection (see maxQueuedBytes). Errors are ErrGone.
func (c *conn) enqueue(data []byte) error {
	c.mu.Lock()
	if c.dead || c.closing.Load() {
		c.mu.Unlock()
		return ErrGone
	}
	if len(c.out) >= maxQueuedFrames || c.outBytes+len(data) > maxQueuedBytes {
		c.mu.Unlock()
		c.terminate(closeAbort, "", "client not reading: send queue full")
		return ErrGone
	}
	c.out = append(c.out, data)
	c.outBytes += len(data)
	if !c.writing {
		c.writing = true
		c.wg.Add(1)
		go c.writeLoop()
	}
	c.mu.Unlock()
	return nil
}

// writeLoop writes queued frames in order and exits when the queue is empty.
func (c *conn) writeLoop() {
	defer c.wg.Done()
	ctx := context.Background() // no deadline: closing the socket ends a blocked write
	<-c.ready
	for {
		c.mu.Lock()
		if len(c.out) == 0 || c.dead || c.ws == nil {
			c.out, c.outBytes = nil, 0
			c.writing = false
			if c.drained != nil {
				close(c.drained)
				c.drained = nil
			}
			c.mu.Unlock()
			return
		}
		data := c.out[0]
		c.out[0] = nil
		c.out = c.out[1:]
		c.outBytes -= len(data)
		c.mu.Unlock()
		if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
			c.g.log.Debug("write failed", "connection", c.info.ID, "err", err)
			c.terminate(closeAbort, "", "write failed")
			c.mu.Lock()
			c.out, c.outBytes = nil, 0
			c.mu.Unlock()
		}
	}
}

// waitDrained waits, for at most drainTimeout, until the writer is idle.
func (c *conn) waitDrained() {
	c.mu.Lock()
	if !c.writing {
		c.mu.Unlock()
		return
	}
	if c.drained == nil {
		c.drained = make(chan struct{})
	}
	drained := c.drained
	c.mu.Unlock()
	t := time.NewTimer(drainTimeout)
	defer t.Stop()
	select {
	case <-drained:
	case <-t.C:
	}
}
