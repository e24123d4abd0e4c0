package repair

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
	"wsops/ops/repairplan"
	"wsops/ui/styles"
)

func plan() repairplan.Plan {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	set := func(id string, subs bool) repairplan.Change {
		return repairplan.Change{Rule: repairplan.RuleEntityType, Subscriptions: subs, Op: repairplan.OpSet, Key: data.Item{"connectionId": s(id)},
			Attribute: "entityType", Old: s("customer"), New: s("merchant"), App: "order-receiver", EntityType: "customer"}
	}
	create := repairplan.Change{Rule: repairplan.RuleBusinessStatus, Subscriptions: true, Op: repairplan.OpCreate,
		Key: data.Item{"connectionId": s("C3="), "subscriptionKey": s("business_status#b3")}, Record: data.Item{"connectionId": s("C3=")}}
	// The plan's order interleaves rules; the view groups them.
	return repairplan.Plan{Rules: []string{repairplan.RuleBusinessStatus, repairplan.RuleEntityType},
		Changes: []repairplan.Change{set("C1=", false), create, set("C2=\x1b[2J", false)}}
}

func press(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func TestViewGroupsByRuleAndAppliesTheSelection(t *testing.T) {
	m := New(styles.New(styles.DefaultTheme()))
	m.SetSize(120, 20)
	m.SetPlan(plan(), data.WizzSchema(), nil)
	v := m.View()
	for _, want := range []string{"3 changes, 3 selected", "rule business-status: 1", "rule entity-type: 2",
		`connectionId=C1=  entityType: - "customer" + "merchant"`, `C2=\x1b[2J`} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b[2J") {
		t.Error("an escape sequence from a key reached the view raw")
	}
	if strings.Index(v, "business-status") > strings.Index(v, "entity-type: 2") {
		t.Error("rules not in the plan's rule order")
	}
	// The cursor starts on the create (first in rule order): deselect it.
	m, _ = m.Update(press(" "))
	if got := m.Selected(); len(got) != 2 || got[0] != 0 || got[1] != 2 {
		t.Fatalf("selected %v after space, want [0 2]", got)
	}
	_, cmd := m.Update(press("A"))
	msg, ok := cmd().(ApplyMsg)
	if !ok || len(msg.Selected) != 2 {
		t.Fatalf("A yields %+v", msg)
	}
	m, _ = m.Update(press("a")) // not all selected: select all
	m, _ = m.Update(press("a")) // all selected: select none
	if _, cmd := m.Update(press("A")); cmd != nil || len(m.Selected()) != 0 {
		t.Error("A with nothing selected asked for an apply")
	}
}

func TestViewStates(t *testing.T) {
	m := New(styles.New(styles.DefaultTheme()))
	m.Planning()
	if !strings.Contains(m.View(), "planning") {
		t.Errorf("planning view: %q", m.View())
	}
	m.SetPlan(repairplan.Plan{}, data.WizzSchema(), errTest{})
	if !strings.Contains(m.View(), "cannot plan: boom") {
		t.Errorf("error view: %q", m.View())
	}
	m.SetPlan(repairplan.Plan{Rules: []string{"entity-type"}}, data.WizzSchema(), nil)
	if !strings.Contains(m.View(), "nothing to repair") {
		t.Errorf("empty plan view: %q", m.View())
	}
	if _, cmd := m.Update(press("r")); cmd == nil {
		t.Error("r does not ask for a new plan")
	} else if _, ok := cmd().(ReplanMsg); !ok {
		t.Error("r yields no ReplanMsg")
	}
}

type errTest struct{}

func (errTest) Error() string { return "boom" }
