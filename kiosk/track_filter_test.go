package kiosk

import (
	"testing"

	"github.com/motcua/motcua"
)

func TestTrackFilter(t *testing.T) {
	mine, other := int64(7), int64(8)
	f := &trackFilter{ticketID: mine}
	f.serviceID.Store(2)
	steps := []struct {
		name string
		ev   motcua.Event
		want bool
	}{
		{"queue of my service", motcua.Event{Type: motcua.EventQueue, Data: &motcua.QueueBody{Waiting: map[int64]int{2: 5}}}, true},
		{"queue of my service among others", motcua.Event{Type: motcua.EventQueue, Data: &motcua.QueueBody{Waiting: map[int64]int{12: 1, 2: 0}}}, true},
		{"queue of service 12, not 2", motcua.Event{Type: motcua.EventQueue, Data: &motcua.QueueBody{Waiting: map[int64]int{12: 2}}}, false},
		{"queue of service 22", motcua.Event{Type: motcua.EventQueue, Data: &motcua.QueueBody{Waiting: map[int64]int{22: 2}}}, false},
		{"another ticket's event", motcua.Event{Type: motcua.EventTicket, TicketID: &other, Data: &motcua.TicketBody{Ticket: motcua.PublicTicket{ID: 8, ServiceID: 2}}}, false},
		{"a call", motcua.Event{Type: motcua.EventCall, TicketID: &mine, Data: &motcua.CallBody{}}, false},
		{"another ticket's dossier", motcua.Event{Type: motcua.EventDossier, TicketID: &other, Data: &motcua.DossierBody{}}, false},
		{"my dossier", motcua.Event{Type: motcua.EventDossier, TicketID: &mine, Data: &motcua.DossierBody{}}, true},
		{"my transfer to service 3", motcua.Event{Type: motcua.EventTicket, TicketID: &mine, Data: &motcua.TicketBody{Ticket: motcua.PublicTicket{ID: 7, ServiceID: 3, Status: motcua.TicketTransferred}}}, true},
		{"queue of my old service", motcua.Event{Type: motcua.EventQueue, Data: &motcua.QueueBody{Waiting: map[int64]int{2: 4}}}, false},
		{"queue of my new service", motcua.Event{Type: motcua.EventQueue, Data: &motcua.QueueBody{Waiting: map[int64]int{3: 9}}}, true},
	}
	for _, s := range steps {
		if got := f.accept(&s.ev); got != s.want {
			t.Errorf("%s: got %v, want %v", s.name, got, s.want)
		}
	}
}
