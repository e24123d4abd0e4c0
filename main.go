// Command wsops is a terminal operations console for API Gateway WebSocket
// fleets whose connection registry lives in DynamoDB.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"wsops/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
