package ui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"wsops/ops"
	"wsops/ui/confirm"
)

// goldenRequest is a confirmation with a hostile filter (sanitized on screen).
func goldenRequest(pol ops.Policy) confirm.RequestMsg {
	return confirm.RequestMsg{Request: confirm.Request{
		Plan: ops.Plan{Action: "send", Filter: "user x\x1b]52;c;ZXZpbA==\x07y", PayloadSize: 2048, Radius: ops.Radius{Total: 5,
			Cells: map[ops.AppEntity]int{{App: "drivers", EntityType: "driver"}: 3, {App: "customers", EntityType: "customer"}: 2}}},
		Policy: pol, Answer: make(chan error, 1),
	}}
}

func TestGoldenConfirm(t *testing.T) {
	tm := console(t)
	tm.Send(goldenRequest(ops.Policy{Profile: "sandbox"}))
	waitOutput(t, tm, "Confirm send")
	golden.RequireEqual(t, finalView(t, tm))
}

func TestGoldenConfirmProduction(t *testing.T) {
	tm := console(t)
	tm.Send(goldenRequest(ops.Policy{Profile: "prod-eu", Production: true}))
	waitOutput(t, tm, "Confirm send")
	golden.RequireEqual(t, finalView(t, tm))
}

func TestGoldenSendDialog(t *testing.T) {
	tm := console(t)
	tm.Send(runes(" "))
	tm.Send(runes("j"))
	tm.Send(runes(" "))
	tm.Send(runes("x"))
	waitOutput(t, tm, "Send to")
	golden.RequireEqual(t, finalView(t, tm))
}
