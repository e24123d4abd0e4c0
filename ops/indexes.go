package ops

import (
	"context"
	"strings"
	"time"

	"wsops/apigw"
	"wsops/internal/reach"
)

// indexCheckTimeout bounds asking the registry which indexes it has: an
// unanswering registry leaves a warning, not a report that never comes.
const indexCheckTimeout = 15 * time.Second

// The codes of the registry's index warnings.
const (
	// WarnMissingIndex is an index the registry's schema declares that
	// the store lacks.
	WarnMissingIndex = "missing-index"
	// WarnIndexesUnchecked says the registry's indexes could not be read.
	WarnIndexesUnchecked = "indexes-unchecked"
)

// indexWarnings are the registry's missing indexes as warnings, each
// with what its reads do without it and the command that creates it;
// or, when the registry's indexes cannot be read, one warning that says
// why.
func (o *Ops) indexWarnings(ctx context.Context) []apigw.Warning {
	ctx, cancel := context.WithTimeout(ctx, indexCheckTimeout)
	defer cancel()
	missing, err := o.reg.MissingIndexes(ctx)
	if err != nil {
		w := apigw.Warning{Code: WarnIndexesUnchecked,
			Message: "the registry's indexes could not be checked (a missing one would go unreported): " + err.Error()}
		w.Fix = reach.Hint(err)
		if reach.Denied(err) {
			w.Fix = "grant the profile's credentials the IAM action the error names (`wsops api` and `:api` check again)"
		}
		return []apigw.Warning{w}
	}
	ws := make([]apigw.Warning, 0, len(missing))
	for _, m := range missing {
		ws = append(ws, apigw.Warning{Code: WarnMissingIndex, Fix: m.Create,
			Message: "the registry's " + m.Where + " lacks the index " + m.Name + " (" + strings.Join(m.Fields, ", ") + "): " + m.Without})
	}
	return ws
}
