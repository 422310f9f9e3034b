package motcua

import "testing"

func TestTicketTransitionTable(t *testing.T) {
	statuses := []TicketStatus{TicketWaiting, TicketCalled, TicketServing, TicketDone, TicketNoShow, TicketTransferred, TicketCancelled}
	actions := []TicketAction{ActionCall, ActionRecall, ActionStart, ActionFinish, ActionNoShow, ActionTransfer, ActionCancel, ActionReactivate}
	legal := map[TicketStatus]map[TicketAction]TicketStatus{
		TicketWaiting: {ActionCall: TicketCalled, ActionCancel: TicketCancelled},
		TicketCalled: {ActionRecall: TicketCalled, ActionStart: TicketServing, ActionNoShow: TicketNoShow,
			ActionTransfer: TicketWaiting, ActionFinish: TicketDone},
		TicketServing: {ActionFinish: TicketDone, ActionTransfer: TicketWaiting},
		TicketNoShow:  {ActionReactivate: TicketWaiting},
	}
	for _, from := range statuses {
		for _, a := range actions {
			got, err := NextTicketStatus(from, a)
			want, ok := legal[from][a]
			switch {
			case ok && err != nil:
				t.Errorf("%s from %s: got error %v, want %s", a, from, err, want)
			case ok && got != want:
				t.Errorf("%s from %s: got %s, want %s", a, from, got, want)
			case !ok && ErrorCode(err) != EConflict:
				t.Errorf("%s from %s: got (%q, %v), want a conflict error", a, from, got, err)
			}
		}
	}
}
